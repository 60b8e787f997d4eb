import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';

/** How much history the repository holding a folder has: all of it, a shallow clone's cut, or no Git at all. */
export type GitHistoryDepth = 'full' | 'shallow' | 'not_git';

/**
 * What ensureFullHistory found: `full` (nothing to do), `deepened` (was shallow, now has
 * its full history), or `not_git` (a folder outside Git, or no git on the machine).
 */
export type FullHistory = 'full' | 'deepened' | 'not_git';

/** The repository holding `dir`, with `dir` as its working folder; null outside Git or without git. */
async function repositoryAt(dir: string): Promise<{ git: SimpleGit; cwd: string } | null> {
  try {
    const cwd = resolve(dir);
    const git = simpleGit({ baseDir: cwd });
    return (await git.checkIsRepo()) ? { git, cwd } : null;
  } catch {
    return null;
  }
}

async function isShallow({ git, cwd }: { git: SimpleGit; cwd: string }): Promise<boolean> {
  const answer = (await git.raw(['rev-parse', '--is-shallow-repository'])).trim();
  if (answer === 'true' || answer === 'false') return answer === 'true';
  // Git before 2.15 echoes the unknown option back: a shallow repository is one with a `shallow` file.
  return existsSync(resolve(cwd, (await git.raw(['rev-parse', '--git-path', 'shallow'])).trim()));
}

/** Whether the repository holding `dir` is a shallow clone (`git rev-parse --is-shallow-repository`). */
export async function gitHistoryDepth(dir: string): Promise<GitHistoryDepth> {
  const repo = await repositoryAt(dir);
  if (!repo) return 'not_git';
  return (await isShallow(repo)) ? 'shallow' : 'full';
}

function refuseShallow(root: string, why: string): UserError {
  return new UserError(
    `the policy repository ${root} is a shallow Git clone and its full history could not be fetched (${why}). ` +
      'Approvals, Exceptions, attribution and access-review attestation are read from Git history; a shallow clone ' +
      'credits every older line to the commit it was cut at, so Lockstep will not use it. Check out the full history: ' +
      'set `fetch-depth: 0` on actions/checkout, or run `git fetch --unshallow`.',
  );
}

/**
 * Makes sure the repository holding `dir` has its full history before anything reads
 * authorship from it: a shallow clone is deepened from its remote (`origin` when it has
 * one), and when that is impossible the run stops with a UserError naming the fix. It
 * never lets a run go on with a cut history. Outside Git there is no history to cut and
 * so nothing to do: callers then attribute nothing, as before.
 *
 * Called once per run by each reader of history (makePlan, pendingAttestations, the
 * controller's repository source), never per file. Not memoised: a folder kept by
 * another process (git-sync with a depth) can turn shallow again between runs.
 */
export async function ensureFullHistory(dir: string, log: Logger): Promise<FullHistory> {
  const repo = await repositoryAt(dir);
  if (!repo) return 'not_git';
  if (!(await isShallow(repo))) return 'full';
  const { git } = repo;
  const root = (await git.revparse(['--show-toplevel'])).trim();
  const remotes = (await git.raw(['remote']))
    .split('\n')
    .map((r) => r.trim())
    .filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (!remote) throw refuseShallow(root, 'it has no remote to fetch from');
  log.info(`the policy repository ${root} is a shallow clone: fetching its full history from ${remote} (git fetch --unshallow)`);
  try {
    await git.raw(['fetch', '--unshallow', '--quiet', remote]);
  } catch (e) {
    // Git may echo a remote URL with its user:password part; a message never carries credentials.
    const said = (e as Error).message
      .trim()
      .split('\n')[0]!
      .replace(/\/\/[^@/\s]+@/g, '//');
    throw refuseShallow(root, `git fetch --unshallow ${remote} failed: ${said}`);
  }
  // A remote that is itself shallow leaves the clone shallow.
  if (await isShallow(repo)) throw refuseShallow(root, `${remote} is itself shallow`);
  return 'deepened';
}
