import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { ensureFullHistory } from '../git/full-history.js';
import type { Logger } from '../logger.js';

/** Where each cycle reads the policy from. */
export interface PolicySource {
  /** Brings the policy up to date and returns its folder. */
  refresh(): Promise<string>;
  /** Says where the policy comes from, for logs (no credentials). */
  readonly label: string;
}

/** A policy folder used as it is on disk. */
export function folderSource(dir: string): PolicySource {
  const abs = resolve(dir);
  return { label: abs, refresh: async () => abs };
}

/**
 * A policy repository cloned once into `dir` (the controller's --work-dir, by default
 * <state-dir>/repo: a cache, each replica its own), then on every refresh fetched and
 * hard-reset to `origin/<branch>`: only commits reachable from that branch are ever
 * applied, whatever else the remote holds. `subdir` is the policy folder inside the
 * repository when it exists there, else the repository root.
 *
 * Invariant: the clone holds the branch's full history, which Approvals, Exceptions,
 * attribution and attestation are read from. It is cloned without `--depth`; a clone
 * that is shallow all the same (a state folder seeded by a shallow clone, a shallow
 * upstream) is deepened from origin on refresh, or the refresh fails saying so.
 */
export function repoSource(opts: { url: string; branch: string; dir: string; subdir: string; log: Logger }): PolicySource {
  const dir = opts.dir;
  const label = `${redactUrl(opts.url)}#${opts.branch}`;
  return {
    label,
    async refresh() {
      if (!existsSync(join(dir, '.git'))) {
        opts.log.info(`cloning the policy repository ${label}`);
        await simpleGit().clone(opts.url, dir, ['--branch', opts.branch, '--single-branch']);
      }
      const git = simpleGit(dir);
      await git.fetch('origin', `+refs/heads/${opts.branch}:refs/remotes/origin/${opts.branch}`);
      await git.reset(['--hard', `origin/${opts.branch}`]);
      await git.clean('f', ['-d']);
      await ensureFullHistory(dir, opts.log);
      const sub = join(dir, opts.subdir);
      return opts.subdir && existsSync(sub) ? sub : dir;
    },
  };
}

/** A repository URL without any user:password part. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]+@/, '//');
  }
}
