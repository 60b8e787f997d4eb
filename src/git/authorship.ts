import { dirname, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type { Located, Policy } from '../policy/model.js';
import { authorEmail, type Authorship, type DocumentCommit } from '../policy/git-authorization.js';
import type { PolicyBlame } from './blame.js';

/**
 * For every Approval and Exception: the latest commit among the document's lines (from
 * the blame already made for attribution) and, with `requireSignedCommits`, whether that
 * commit's signature verifies (`git log --format=%G?`; SSH signatures against Config
 * `allowedSigners`).
 */
export async function documentAuthorship(policy: Policy, blame: PolicyBlame): Promise<Authorship> {
  const spec = policy.config.doc.spec;
  const all: Located<unknown>[] = [
    policy.config,
    ...policy.roles.values(),
    ...policy.assignments,
    ...policy.lifecycleRules,
    ...policy.exceptions,
    ...policy.approvals,
    ...policy.confirmations,
    ...policy.reviews,
  ];
  // A document runs from its first line to the line before the next document of its file.
  const starts = new Map<string, number[]>();
  for (const d of all) starts.set(d.at.file, [...(starts.get(d.at.file) ?? []), d.at.line]);
  for (const list of starts.values()) list.sort((a, b) => a - b);
  const endOf = (d: Located<unknown>): number => {
    const next = starts.get(d.at.file)!.find((l) => l > d.at.line);
    return next === undefined ? Number.MAX_SAFE_INTEGER : next - 1;
  };

  const verified = new Map<string, DocumentCommit['signature']>();
  const signature = async (sha: string): Promise<DocumentCommit['signature']> => {
    if (!spec.requireSignedCommits) return 'unchecked';
    const known = verified.get(sha);
    if (known) return known;
    let status = 'N';
    try {
      const config = spec.allowedSigners ? ['-c', `gpg.ssh.allowedSignersFile=${resolve(policy.dir, spec.allowedSigners)}`] : [];
      status = (await simpleGit({ baseDir: policy.dir }).raw([...config, 'log', '-1', '--format=%G?', sha])).trim();
    } catch {
      status = 'E';
    }
    const result = status === 'G' ? 'good' : status === 'N' ? 'unsigned' : 'bad';
    verified.set(sha, result);
    return result;
  };

  const out = new Map<Located<unknown>, DocumentCommit | null>();
  for (const doc of [...policy.approvals, ...policy.exceptions]) {
    const commit = blame.lastCommit(doc.at.file, doc.at.line, endOf(doc));
    out.set(doc, commit ? { ...commit, email: authorEmail(commit.author), signature: await signature(commit.sha) } : null);
  }
  return out;
}

/** Where one file stands in Git: the commit that last changed it on the main line, or why there is none. */
export type FileCommit =
  | {
      readonly state: 'committed';
      readonly sha: string;
      /** `Name <email>` of the commit's author and committer (for a merge, the committer merged it). */
      readonly author: string;
      readonly committer: string;
      /** Committer date, ISO 8601 UTC. */
      readonly committedAt: string;
    }
  | { readonly state: 'uncommitted' | 'not_git' };

/**
 * The commit that last changed `file`, following first parents so that a branch merged
 * with a merge commit is answered by the merge, not the branch's own commit. A file with
 * changes no commit holds (modified, untracked, or a repository without commits) is
 * `uncommitted`; a file outside Git, or a machine without git, is `not_git`.
 */
export async function fileCommit(file: string): Promise<FileCommit> {
  const abs = resolve(file);
  const git = simpleGit({ baseDir: dirname(abs) });
  try {
    if (!(await git.checkIsRepo())) return { state: 'not_git' };
  } catch {
    return { state: 'not_git' };
  }
  try {
    if ((await git.raw(['status', '--porcelain', '--', abs])).trim() !== '') return { state: 'uncommitted' };
    const out = (await git.raw(['log', '-1', '--first-parent', '--format=%H%x1f%an <%ae>%x1f%cn <%ce>%x1f%cI', '--', abs])).trim();
    const [sha, author, committer, date] = out.split('\x1f');
    if (!sha || !author || !committer || !date) return { state: 'uncommitted' };
    return { state: 'committed', sha, author, committer, committedAt: new Date(date).toISOString() };
  } catch {
    return { state: 'uncommitted' };
  }
}
