import { resolve } from 'node:path';
import { ExitCode, UserError, formatProblem, type Problem } from '../../errors.js';
import { ensureFullHistory } from '../../git/full-history.js';
import { authorizeDocuments, refusalMessage } from '../../policy/git-authorization.js';
import type { Policy } from '../../policy/model.js';
import { examinePolicy } from '../../run/load-policy.js';
import { policyProvenance } from '../../run/provenance.js';
import { loadRoster, type LoadedRoster } from '../../roster/load.js';
import { plural } from '../../wording/plural.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';

/**
 * `lockstep validate`: every problem in one run, each as file:line:col: the schema and
 * references of every policy document, the roster (checked even when the policy has
 * problems, as long as the Config naming it is valid), and, when Config names approvers,
 * the Approvals and Exceptions that would not count (warnings: they are refused, not
 * invalid). Secret references must resolve unless --offline (pull requests from forks
 * have no secrets).
 */
export async function validateCommand(opts: { policies: string; people?: string; offline?: boolean }): Promise<number> {
  const log = stderrLogger();
  const examined = await examinePolicy(resolve(opts.policies), { checkSecrets: !opts.offline, requirePeopleFile: !opts.people });
  const problems: Problem[] = [...examined.problems];
  const source = examined.policy ?? (examined.config ? { dir: examined.dir, config: examined.config } : null);
  let roster: LoadedRoster | null = null;
  if (source) {
    try {
      roster = await loadRoster(source, opts.people ? resolve(opts.people) : undefined);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      // The policy's own check already says when the Config's roster file is missing.
      problems.push(...e.problems.filter((p) => !problems.some((q) => q.message === p.message)));
    }
  }
  const warnings = [...(examined.policy?.warnings ?? []), ...(roster?.warnings ?? [])];
  if (examined.policy) warnings.push(...(await refusedDocuments(examined.policy, log)));
  for (const w of warnings) writeErr(`warning: ${formatProblem(w)}\n`);
  if (problems.length > 0) throw new UserError(problems);

  const policy = examined.policy!;
  const counts = [
    plural(policy.roles.size, 'role profile'),
    plural(policy.assignments.length, 'assignment'),
    plural(policy.lifecycleRules.length, 'lifecycle rule'),
    plural(policy.exceptions.length, 'exception'),
    plural(policy.approvals.length, 'approval'),
    plural(Object.keys(policy.config.doc.spec.providers).length, 'provider'),
    plural(roster!.people.length, 'person', 'people'),
  ];
  writeOut(`Policy ${policy.config.doc.metadata.name} is valid: ${counts.join(', ')}.\n`);
  return ExitCode.Ok;
}

/**
 * With Config approvers: the Approvals and Exceptions whose last commit does not make them
 * count (not committed, not by an approver, unsigned where signatures are required).
 */
async function refusedDocuments(policy: Policy, log: ReturnType<typeof stderrLogger>): Promise<Problem[]> {
  if (!policy.config.doc.spec.approvers) return [];
  try {
    await ensureFullHistory(policy.dir, log);
  } catch (e) {
    return [{ message: `Git authorisation of Approvals and Exceptions not checked: ${(e as Error).message}` }];
  }
  const { authorship } = await policyProvenance(policy, log);
  return authorizeDocuments(policy, authorship).refused.map((r) => ({ message: refusalMessage(r), at: r.doc.at }));
}
