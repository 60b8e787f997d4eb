import type { Person } from '../roster/model.js';
import type { JournalRecord, ReviewAttestation } from '../types/index.js';

const CONTAINMENT = new Set(['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_member']);
const DONE = new Set(['ok', 'already']);

/** One leaver of the period: when HR ended them, and when each system was done with them. */
export interface TerminationEvidence {
  readonly person: string;
  readonly employeeId: string;
  readonly employmentType: string | null;
  /** The HR end date (termination or contract end), ISO. */
  readonly hrTime: string;
  /** Per provider: when the last containment or removal was recorded done, with the changes behind it. */
  readonly revocations: readonly {
    readonly provider: string;
    readonly revokedAt: string;
    readonly hoursAfterHr: number;
    readonly changes: readonly string[];
    readonly failed: number;
  }[];
  /** Nothing in the journal for this person in the period (no account anywhere, or not yet acted on). */
  readonly noRecord: boolean;
}

/** People whose employment or contract ended in [from, to), with the revocation times the journal shows. */
export function terminationsInPeriod(people: readonly Person[], journal: readonly JournalRecord[], fromMs: number, toMs: number): TerminationEvidence[] {
  const leavers = people.filter((p) => p.endAt !== null && p.endAt >= fromMs && p.endAt < toMs && (p.status === 'terminated' || p.employmentType === 'contractor'));
  const byPerson = new Map<string, JournalRecord[]>();
  for (const r of journal) {
    if (r.type !== 'change' || !r.person || !r.action || !CONTAINMENT.has(r.action)) continue;
    const key = r.person.toLowerCase();
    byPerson.set(key, [...(byPerson.get(key) ?? []), r]);
  }
  return leavers
    .map((p) => {
      const records = (byPerson.get(p.email.toLowerCase()) ?? []).filter((r) => Date.parse(r.time) >= p.endAt!);
      const providers = new Map<string, { at: number; changes: Set<string>; failed: number }>();
      for (const r of records) {
        const e = providers.get(r.provider ?? '') ?? { at: 0, changes: new Set<string>(), failed: 0 };
        if (DONE.has(r.result ?? '')) {
          e.at = Math.max(e.at, Date.parse(r.time));
          e.changes.add(
            `${r.action}${r.target && (r.target as { group?: { name?: string } }).group?.name ? ` ${(r.target as { group: { name: string } }).group.name}` : ''}`,
          );
        } else if (r.result === 'failed') e.failed++;
        providers.set(r.provider ?? '', e);
      }
      return {
        person: p.email,
        employeeId: p.employeeId,
        employmentType: p.employmentType,
        hrTime: new Date(p.endAt!).toISOString(),
        revocations: [...providers]
          .filter(([, e]) => e.at > 0)
          .map(([provider, e]) => ({
            provider,
            revokedAt: new Date(e.at).toISOString(),
            hoursAfterHr: Math.round(((e.at - p.endAt!) / 3_600_000) * 100) / 100,
            changes: [...e.changes].sort(),
            failed: e.failed,
          }))
          .sort((a, b) => a.provider.localeCompare(b.provider)),
        noRecord: records.length === 0,
      };
    })
    .sort((a, b) => a.hrTime.localeCompare(b.hrTime) || a.person.localeCompare(b.person));
}

/** Journal records whose time falls in [from, to). */
export function journalExtract(journal: readonly JournalRecord[], fromMs: number, toMs: number): JournalRecord[] {
  return journal.filter((r) => {
    const t = Date.parse(r.time);
    return t >= fromMs && t < toMs;
  });
}

/** One access review attested in the period: the merge that decided it, and what it decided. */
export interface AttestationEvidence {
  readonly review: string;
  readonly scope: ReviewAttestation['scope'];
  readonly due: string;
  /** When the apply recorded it, and the journal record (seq) holding it. */
  readonly recordedAt: string;
  readonly seq: number;
  readonly git: ReviewAttestation['git'];
  readonly commit: string | null;
  readonly committedAt: string | null;
  readonly merger: string | null;
  readonly reviewer: string | null;
  readonly complete: boolean;
  readonly counts: ReviewAttestation['counts'];
}

/** The access reviews attested in [from, to), in journal order: the evidence of periodic access review. */
export function attestationsInPeriod(journal: readonly JournalRecord[], fromMs: number, toMs: number): AttestationEvidence[] {
  return journalExtract(journal, fromMs, toMs)
    .filter((r) => r.type === 'attestation' && r.attestation)
    .sort((a, b) => a.seq - b.seq)
    .map((r) => {
      const a = r.attestation!;
      return {
        review: a.review,
        scope: a.scope,
        due: a.due,
        recordedAt: r.time,
        seq: r.seq,
        git: a.git,
        commit: a.commit,
        committedAt: a.committedAt,
        merger: a.merger,
        reviewer: a.decidedBy,
        complete: a.complete,
        counts: a.counts,
      };
    });
}
