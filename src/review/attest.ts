import { relative, resolve, sep } from 'node:path';
import { fileCommit, type FileCommit } from '../git/authorship.js';
import { blamePolicyFiles, type LineCommit, type PolicyBlame } from '../git/blame.js';
import { ensureFullHistory } from '../git/full-history.js';
import { attestationIdentity } from '../journal/build-history.js';
import { canonicalJson, sha256Hex } from '../journal/canonical-json.js';
import type { JournalHistory } from '../journal/history.js';
import type { Located, Policy } from '../policy/model.js';
import type { Logger } from '../logger.js';
import type { AccessReviewDocument, ReviewAttestation } from '../types/index.js';
import { plural } from '../wording/plural.js';

/** What Git says about one review: its file's last commit and who set its decisions. */
export interface ReviewGitFacts {
  /** The commit that last changed the review file (the merge), or why there is none. */
  readonly file: FileCommit;
  /** The latest commit among the decided members' decision lines; null when any is uncommitted or outside Git. */
  readonly decision: LineCommit | null;
  /** Authors (`Name <email>`) of the decided members' decision lines. */
  readonly deciders: readonly string[];
}

/** True when a reviewer has decided at least one member: only such reviews are attested. */
export function hasDecisions(review: AccessReviewDocument): boolean {
  return review.spec.members.some((m) => m.decision !== 'undecided');
}

/**
 * The attestation of one review as its file stands now: the decisions per member with
 * their counts, the commit that last changed the file (the merge) and who made it, and
 * the author of the commit that set the decisions (the reviewer of record). Members
 * still undecided make it partial; a review no commit holds is said to be unattested by
 * Git. `file` is the review file relative to the policy folder. Pure.
 */
export function buildAttestation(review: AccessReviewDocument, file: string, git: ReviewGitFacts): ReviewAttestation {
  const { scope, started, due, members } = review.spec;
  const decisions = members.map((m) => ({ person: m.person, decision: m.decision })).sort((a, b) => a.person.localeCompare(b.person));
  const counts = { keep: 0, revoke: 0, undecided: 0 };
  for (const d of decisions) counts[d.decision]++;
  const name = review.metadata.name;
  const committed = git.file.state === 'committed' ? git.file : null;
  const decidedBy = git.decision?.author ?? null;
  const tally = `${counts.keep} keep, ${counts.revoke} revoke, ${counts.undecided} undecided`;
  const partial = counts.undecided > 0 ? ` (partial: ${plural(counts.undecided, 'member')} undecided)` : '';
  const how = committed
    ? `merged in ${committed.sha.slice(0, 12)} by ${committed.committer}${decidedBy ? `, decided by ${decidedBy}` : ''}`
    : git.file.state === 'not_git'
      ? 'not in Git: no commit attests these decisions'
      : 'has changes no commit holds: no commit attests these decisions';
  return {
    review: name,
    file,
    scope: { ...(scope.role !== undefined ? { role: scope.role } : {}), ...(scope.tier !== undefined ? { tier: scope.tier } : {}) },
    started,
    due,
    git: git.file.state,
    commit: committed?.sha ?? null,
    committedAt: committed?.committedAt ?? null,
    merger: committed?.committer ?? null,
    decidedBy,
    decidedIn: git.decision?.sha ?? null,
    deciders: [...new Set(git.deciders)].sort(),
    complete: counts.undecided === 0,
    counts,
    decisions,
    digest: sha256Hex(canonicalJson({ review: name, decisions })),
    note: `AccessReview/${name} ${how}: ${tally}${partial}`,
  };
}

/** The attestations the journal does not hold yet (same review at the same commit, or the same decisions without one). Pure. */
export function unrecorded(attestations: readonly ReviewAttestation[], history: JournalHistory): ReviewAttestation[] {
  return attestations.filter((a) => !history.attested(a.review, attestationIdentity(a)));
}

/** The 1-based lines holding the decided members' `decision:`. */
function decisionLines(review: Located<AccessReviewDocument>): number[] {
  return review.doc.spec.members.flatMap((m, i) => (m.decision === 'undecided' ? [] : [review.locate(['spec', 'members', i, 'decision']).line]));
}

/**
 * Every review of the policy with decisions, attested from Git as it stands now, less
 * those the journal already records: what an apply writes into its run, whether or not
 * the plan has changes. Shared by `lockstep apply` and the controller. `blamed` is the
 * run's blame of the policy files when it has one (see policyProvenance); otherwise the
 * review files are blamed here.
 */
export async function pendingAttestations(policy: Policy, history: JournalHistory, log: Logger, blamed?: PolicyBlame): Promise<ReviewAttestation[]> {
  const decided = policy.reviews.filter((r) => hasDecisions(r.doc));
  if (decided.length === 0) return [];
  // The merge and the decider come from history: a shallow clone would name its cut-off commit for both.
  await ensureFullHistory(policy.dir, log);
  const candidates: { review: Located<AccessReviewDocument>; commit: FileCommit }[] = [];
  for (const review of decided) {
    const commit = await fileCommit(review.at.file);
    // Already attested at this commit: no need to blame the file again.
    if (commit.state === 'committed' && history.attested(review.doc.metadata.name, commit.sha)) continue;
    candidates.push({ review, commit });
  }
  if (candidates.length === 0) return [];
  const blame =
    blamed ??
    (await blamePolicyFiles(
      candidates.map((c) => c.review.at.file),
      log,
    ));
  const out = candidates.map(({ review, commit }) => {
    const file = review.at.file;
    const lines = decisionLines(review);
    const deciders = lines.flatMap((l) => blame.attribute(`${file}:${l}`)?.author ?? []);
    return buildAttestation(review.doc, relative(policy.dir, resolve(file)).split(sep).join('/'), { file: commit, decision: blame.lastCommitOf(file, lines), deciders });
  });
  return unrecorded(out, history);
}
