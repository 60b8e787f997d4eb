import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ExitCode, UserError } from '../../errors.js';
import { loadPolicy } from '../../run/load-policy.js';
import { startReview } from '../../review/start.js';
import { loadRoster } from '../../roster/load.js';
import { writeOut } from '../output.js';
import { parseDurationFlag, parseNow } from '../workspace.js';

export interface ReviewStartOptions {
  policies: string;
  people?: string;
  role?: string;
  tier?: string;
  due: string;
  now?: string;
}

/**
 * `lockstep review start`: writes `reviews/<name>.yaml` into the policy folder — the
 * members of a role (or of every role of a tier) to decide `keep` or `revoke` in a pull
 * request. Once merged, revocations enter the plan with the review as their reason.
 */
export async function reviewStartCommand(opts: ReviewStartOptions): Promise<number> {
  if (opts.tier !== undefined && opts.tier !== 'standard' && opts.tier !== 'privileged') throw new UserError(`--tier ${opts.tier}: expected standard or privileged`);
  const now = parseNow(opts.now);
  const dueMs = now.getTime() + parseDurationFlag('--due', opts.due);
  const policy = await loadPolicy(resolve(opts.policies), { checkSecrets: false, requirePeopleFile: !opts.people });
  const roster = await loadRoster(policy, opts.people ? resolve(opts.people) : undefined);
  const review = startReview(policy, roster.people, { ...(opts.role ? { role: opts.role } : {}), ...(opts.tier ? { tier: opts.tier } : {}) }, now, dueMs);
  const dir = join(policy.dir, 'reviews');
  const file = join(dir, `${review.metadata.name}.yaml`);
  if (existsSync(file)) throw new UserError(`${relative(process.cwd(), file)} exists already: a review per scope and day`);
  await mkdir(dir, { recursive: true });
  const header = [
    `# Access review of ${review.spec.scope.role ? `role ${review.spec.scope.role}` : `every ${review.spec.scope.tier} role`}, due ${review.spec.due}.`,
    '# For each member set decision to keep or revoke, then open a pull request. Once it is merged,',
    '# revocations are planned and applied with this review as their reason; the merge commit is the',
    '# attestation the journal records. Members left undecided past the due date are findings.',
  ].join('\n');
  await writeFile(file, `${header}\n${stringify(review, { lineWidth: 0 })}`);
  writeOut(`${relative(process.cwd(), file)}: ${review.spec.members.length} member${review.spec.members.length === 1 ? '' : 's'} to review by ${review.spec.due}\n`);
  return ExitCode.Ok;
}
