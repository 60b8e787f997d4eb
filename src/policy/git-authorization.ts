import type { LineCommit } from '../types/provenance.js';
import type { ApprovalDocument, ExceptionDocument } from '../types/index.js';
import type { Located, Policy } from './model.js';

/** The commit that last changed a document, as far as authorising it goes. */
export interface DocumentCommit extends LineCommit {
  /** The author's email, lowercased. */
  readonly email: string;
  /** `good` when the signature verified; `unchecked` when signatures are not required. */
  readonly signature: 'good' | 'bad' | 'unsigned' | 'unchecked';
}

/** Per Approval and Exception document: the commit that last changed it, or null (not committed, or no Git). */
export type Authorship = ReadonlyMap<Located<unknown>, DocumentCommit | null>;

export interface Refusal {
  readonly doc: Located<ApprovalDocument> | Located<ExceptionDocument>;
  readonly reason: string;
}

export interface Authorized {
  /** Approvals and Exceptions that count. */
  readonly approvals: ReadonlyArray<Located<ApprovalDocument>>;
  readonly exceptions: ReadonlyArray<Located<ExceptionDocument>>;
  /** Who approved each counting Approval (author email); empty when Config names no approvers. */
  readonly approverOf: ReadonlyMap<Located<ApprovalDocument>, string>;
  readonly refused: readonly Refusal[];
}

/** `Approval/NAME … ; it does not count`: what a plan's finding and `validate` say of a refusal. */
export function refusalMessage(r: Refusal): string {
  return `${r.doc.doc.kind}/${r.doc.doc.metadata.name} ${r.reason}; it does not count`;
}

/** Lowercased email inside `Name <email>`. */
export function authorEmail(author: string): string {
  const m = /<([^>]*)>\s*$/.exec(author);
  return (m ? m[1]! : author).trim().toLowerCase();
}

/**
 * Which Approvals and Exceptions count (SPEC §8, §11). Without Config `approvers` every
 * document counts, as typed. With it, a document counts only when the last commit that
 * touched it was authored by a listed approver (signed and verified when
 * `requireSignedCommits` is set); an Exception never counts when its approver is the
 * person it is for. `approvedBy` typed in YAML is informational only. Pure.
 */
export function authorizeDocuments(policy: Policy, authorship: Authorship | undefined): Authorized {
  const spec = policy.config.doc.spec;
  if (!spec.approvers) return { approvals: policy.approvals, exceptions: policy.exceptions, approverOf: new Map(), refused: [] };
  const approvers = new Set(spec.approvers.map((a) => a.toLowerCase()));
  const refused: Refusal[] = [];
  const approverOf = new Map<Located<ApprovalDocument>, string>();
  const check = (doc: Located<ApprovalDocument> | Located<ExceptionDocument>): string | null => {
    const commit = authorship?.get(doc) ?? null;
    const reason =
      commit === null
        ? 'is not committed to Git, so no approver has made it'
        : !approvers.has(commit.email)
          ? `was last changed by ${commit.author} in ${commit.sha.slice(0, 12)}, who is not in Config approvers`
          : spec.requireSignedCommits && commit.signature !== 'good'
            ? `was last changed in ${commit.sha.slice(0, 12)}, whose signature ${commit.signature === 'unsigned' ? 'is missing' : 'does not verify'} (requireSignedCommits)`
            : null;
    if (reason) {
      refused.push({ doc, reason });
      return null;
    }
    return commit!.email;
  };
  const approvals = policy.approvals.filter((a) => {
    const email = check(a);
    if (email !== null) approverOf.set(a, email);
    return email !== null;
  });
  const exceptions = policy.exceptions.filter((e) => {
    const email = check(e);
    if (email === null) return false;
    if (email === e.doc.spec.person.toLowerCase()) {
      refused.push({ doc: e, reason: `was committed by ${e.doc.spec.person}, the person it grants access to: nobody approves their own exception` });
      return false;
    }
    return true;
  });
  return { approvals, exceptions, approverOf, refused };
}
