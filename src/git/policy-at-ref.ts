import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { UserError } from '../errors.js';

/** A policy folder as it was at one commit, written out to a temporary folder. */
export interface PolicyAtRef {
  /** The ref as given (`origin/main`, a sha, `HEAD~1`). */
  readonly ref: string;
  /** The commit it names. */
  readonly commit: string;
  /** Temporary folder holding the policy folder's files at that commit. */
  readonly dir: string;
  /** Files of the policy folder at that commit, relative to it, with their text. */
  readonly files: ReadonlyMap<string, string>;
  /** `REF:path/in/repo` for a file of the temporary folder (as problems should name it). */
  nameOf(file: string): string;
  /** Removes the temporary folder. */
  dispose(): Promise<void>;
}

/** The repository holding `policiesDir` and the folder's path inside it (`/`-separated, `.` for the root). */
export async function policyRepo(policiesDir: string): Promise<{ git: SimpleGit; root: string; path: string }> {
  const abs = resolve(policiesDir);
  let root: string;
  try {
    root = (await simpleGit({ baseDir: abs }).revparse(['--show-toplevel'])).trim();
  } catch {
    throw new UserError(`${policiesDir} is not inside a Git repository: diff reads the policy at each ref through Git`);
  }
  const path = relative(root, abs).split(sep).join('/') || '.';
  return { git: simpleGit({ baseDir: root }), root, path };
}

/**
 * Reads the policy folder at `ref` through Git — `git ls-tree` and `git show`, no
 * checkout, so it works in a shallow CI clone as long as the ref's commit was fetched —
 * and writes it to a temporary folder the ordinary loader can read.
 */
export async function policyAtRef(policiesDir: string, ref: string): Promise<PolicyAtRef> {
  const { git, path } = await policyRepo(policiesDir);
  let commit: string;
  try {
    commit = (await git.revparse(['--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    commit = '';
  }
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new UserError(`unknown Git ref "${ref}" (in a shallow clone, fetch it first: git fetch --depth=1 origin ${ref})`);
  }
  const listing = await git.raw(['ls-tree', '-r', '-z', '--name-only', commit, '--', path === '.' ? '.' : `${path}/`]);
  const names = listing.split('\0').filter(Boolean);
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-ref-'));
  const files = new Map<string, string>();
  try {
    for (const name of names) {
      const rel = path === '.' ? name : name.slice(path.length + 1);
      const text = await git.show([`${commit}:${name}`]);
      files.set(rel, text);
      const target = join(dir, rel);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text);
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const nameOf = (file: string): string => {
    const rel = relative(dir, resolve(file)).split(sep).join('/');
    if (rel.startsWith('..')) return file;
    return `${ref}:${path === '.' ? rel : `${path}/${rel}`}`;
  };
  return { ref, commit, dir, files, nameOf, dispose: () => rm(dir, { recursive: true, force: true }) };
}
