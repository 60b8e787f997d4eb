import { resolve } from 'node:path';
import { ExitCode, formatProblem } from '../../errors.js';
import { loadPolicy } from '../../run/load-policy.js';
import { loadRoster } from '../../roster/load.js';
import { writeErr, writeOut } from '../output.js';

/**
 * `lockstep validate`: schema and semantic checks of every policy document and the
 * roster, all problems at once as file:line:col. Secret references must resolve unless
 * --offline (pull requests from forks have no secrets).
 */
export async function validateCommand(opts: { policies: string; people?: string; offline?: boolean }): Promise<number> {
  const policy = await loadPolicy(resolve(opts.policies), { checkSecrets: !opts.offline, requirePeopleFile: !opts.people });
  const roster = await loadRoster(policy, opts.people ? resolve(opts.people) : undefined);
  for (const w of [...policy.warnings, ...roster.warnings]) writeErr(`warning: ${formatProblem(w)}\n`);
  const counts = [
    `${policy.roles.size} role profile${policy.roles.size === 1 ? '' : 's'}`,
    `${policy.assignments.length} assignment${policy.assignments.length === 1 ? '' : 's'}`,
    `${policy.lifecycleRules.length} lifecycle rule${policy.lifecycleRules.length === 1 ? '' : 's'}`,
    `${policy.exceptions.length} exception${policy.exceptions.length === 1 ? '' : 's'}`,
    `${policy.approvals.length} approval${policy.approvals.length === 1 ? '' : 's'}`,
    `${Object.keys(policy.config.doc.spec.providers).length} providers`,
    `${roster.people.length} people`,
  ];
  writeOut(`Policy ${policy.config.doc.metadata.name} is valid: ${counts.join(', ')}.\n`);
  return ExitCode.Ok;
}
