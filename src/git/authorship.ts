import { resolve } from 'node:path';
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
  const all: Located<unknown>[] = [policy.config, ...policy.roles.values(), ...policy.assignments, ...policy.lifecycleRules, ...policy.exceptions, ...policy.approvals, ...policy.confirmations, ...policy.reviews];
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
