import { resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { PolicyOrigin } from '../types/provenance.js';

export type { PolicyOrigin } from '../types/provenance.js';

export const OUTSIDE_GIT: PolicyOrigin = { repository: null, path: '.' };

/**
 * The identity of a repository from its remote URL: `host/path`, host lowercased, without
 * scheme, user, password or token, port, trailing `/` and `.git`, so the HTTPS and SSH
 * remotes of one repository give one identity. Local paths and `file://` URLs give the
 * path. Null for a URL this cannot read. The result never carries credentials: it is
 * printed in refusals.
 */
export function repositoryOfRemote(url: string): string | null {
  const u = url.trim();
  let host = '';
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      return null;
    }
    // The port is dropped with the scheme: ssh://host:7999/x and https://host/x may be one repository.
    host = parsed.protocol === 'file:' ? '' : parsed.hostname.toLowerCase();
    path = decodeURIComponent(parsed.pathname);
  } else {
    // scp-like `[user@]host:path`; a one-letter "host" is a Windows drive, a local path.
    const scp = /^(?:[^@/]*@)?([^:/]{2,}):(.*)$/.exec(u);
    if (scp) {
      host = scp[1]!.toLowerCase();
      path = `/${scp[2]!}`;
    } else path = u;
  }
  path = path
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  if (!host) return path || null;
  return path && path !== '/' ? `${host}${path.startsWith('/') ? '' : '/'}${path}` : null;
}

async function gitAt(dir: string): Promise<SimpleGit | null> {
  try {
    const git = simpleGit({ baseDir: resolve(dir) });
    return (await git.checkIsRepo()) ? git : null;
  } catch {
    return null;
  }
}

async function originIdentity(git: SimpleGit): Promise<string | null> {
  let url: string;
  try {
    url = (await git.raw(['remote', 'get-url', 'origin'])).trim();
  } catch {
    return null;
  }
  return url ? repositoryOfRemote(url) : null;
}

/** The first commit on HEAD's first-parent line: unrelated histories merged in later do not change it. */
async function rootIdentity(git: SimpleGit): Promise<string | null> {
  try {
    const roots = (await git.raw(['rev-list', '--first-parent', '--max-parents=0', 'HEAD'])).trim().split('\n');
    const root = roots[roots.length - 1]?.trim();
    return root ? `root:${root}` : null;
  } catch {
    // No commit yet.
    return null;
  }
}

/** Where the policy folder `dir` lives (see PolicyOrigin); OUTSIDE_GIT outside a work tree or without git. */
export async function policyOrigin(dir: string): Promise<PolicyOrigin> {
  const git = await gitAt(dir);
  if (!git) return OUTSIDE_GIT;
  const prefix = (await git.revparse(['--show-prefix'])).trim().replace(/\/+$/, '');
  return { repository: (await originIdentity(git)) ?? (await rootIdentity(git)), path: prefix || '.' };
}

/**
 * Whether `commit` is HEAD or one of its ancestors in the repository holding `dir`:
 * `missing` when this clone does not have the commit at all (made on a branch never
 * fetched here, or cut off by a shallow clone); `shallow` says the answer may be cut short.
 */
export async function commitInHistory(dir: string, commit: string): Promise<{ state: 'reachable' | 'unreachable' | 'missing'; shallow: boolean }> {
  const git = await gitAt(dir);
  if (!git) return { state: 'missing', shallow: false };
  const shallow = await git.raw(['rev-parse', '--is-shallow-repository']).then(
    (s) => s.trim() === 'true',
    () => false,
  );
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) return { state: 'missing', shallow };
  // simple-git resolves a command that fails without writing to stderr (as --is-ancestor and
  // --quiet do), so these are answered from the output, never from the exit status.
  const full = await git.raw(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]).then(
    (s) => s.trim(),
    () => '',
  );
  if (!full) return { state: 'missing', shallow };
  try {
    // `commit` is an ancestor of HEAD (or HEAD) exactly when it is a best common ancestor of the two.
    const bases = (await git.raw(['merge-base', '--all', full, 'HEAD'])).split('\n').map((l) => l.trim());
    return { state: bases.includes(full) ? 'reachable' : 'unreachable', shallow };
  } catch {
    return { state: 'unreachable', shallow };
  }
}
