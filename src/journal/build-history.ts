import { existsSync } from 'node:fs';
import { EMPTY_HISTORY, type InterruptedChange, type JournalHistory, type OpenTask } from './history.js';
import { readJournal } from './reader.js';
import type { ChangePrecondition, JournalRecord, PlanChange, ReviewAttestation } from '../types/index.js';

interface AccountTarget {
  account?: { id?: unknown; login?: unknown } | null;
}

/** Records about one change: `change` records from apply, `task` records from confirmations. */
function isChangeOutcome(r: JournalRecord): boolean {
  return (r.type === 'change' || r.type === 'task') && typeof r.changeId === 'string';
}

const isDone = (r: JournalRecord): boolean => r.result === 'ok' || r.result === 'already';

function accountOf(r: JournalRecord): { id: string; login: string } | null {
  const target: AccountTarget | null | undefined = r.target;
  const a = target?.account;
  return a && typeof a.id === 'string' ? { id: a.id, login: typeof a.login === 'string' ? a.login : '' } : null;
}

/**
 * The planning view of a journal. Records are taken in seq order (the order they were
 * written); `time` decides `doneSince`, seq decides what is "later" for open tasks.
 * Built once per run: queries are map lookups.
 */
export function buildHistory(records: readonly JournalRecord[]): JournalHistory {
  const ordered = [...records].sort((a, b) => a.seq - b.seq);
  /** changeId -> times (ms) it was recorded done. */
  const done = new Map<string, number[]>();
  /** changeId -> the task opened since its last completion. */
  const open = new Map<string, OpenTask>();
  /** provider \0 account id \0 trigger -> earliest triggerAt (ms). */
  const triggers = new Map<string, number>();

  /** review \0 identity of every attestation recorded. */
  const attested = new Set<string>();
  /** changeId -> the intent no outcome has followed yet. */
  const inFlight = new Map<string, InterruptedChange>();

  for (const r of ordered) {
    if (r.type === 'attestation' && r.attestation) attested.add(attestationKey(r.attestation.review, attestationIdentity(r.attestation)));
    if (r.type === 'intent' && typeof r.changeId === 'string') {
      const change = changeOfIntent(r);
      if (change) inFlight.set(r.changeId, { change, runId: r.runId, sentAt: r.time });
      continue;
    }
    if (!isChangeOutcome(r)) continue;
    const id = r.changeId as string;
    inFlight.delete(id);
    if (isDone(r)) {
      const t = Date.parse(r.time);
      if (!Number.isNaN(t)) done.set(id, [...(done.get(id) ?? []), t]);
      open.delete(id);
    } else if (r.result === 'pending' && !open.has(id)) {
      open.set(id, {
        changeId: id,
        provider: r.provider ?? '',
        person: r.person ?? null,
        account: accountOf(r),
        action: r.action ?? 'task',
        openedAt: r.time,
      });
    }
    const reason: { trigger?: unknown } | null | undefined = r.reason;
    const trigger = reason?.trigger;
    const account = accountOf(r);
    const at = typeof r.triggerAt === 'string' ? Date.parse(r.triggerAt) : NaN;
    if (typeof trigger === 'string' && account && r.provider && !Number.isNaN(at)) {
      const key = `${r.provider}\0${account.id}\0${trigger}`;
      const seen = triggers.get(key);
      if (seen === undefined || at < seen) triggers.set(key, at);
    }
  }

  const openTasks = [...open.values()];
  const interrupted = [...inFlight.values()];
  return {
    doneSince: (changeId, sinceMs) => (done.get(changeId) ?? []).some((t) => t >= sinceMs),
    openTasks: () => openTasks,
    firstTriggerFor: (provider, accountId, trigger) => triggers.get(`${provider}\0${accountId}\0${trigger}`),
    attested: (review, identity) => attested.has(attestationKey(review, identity)),
    interrupted: () => interrupted,
  };
}

/**
 * What makes an attestation the same one again: the commit that last changed the review
 * file, or, when no commit backs the decisions (outside Git, uncommitted edits), their digest.
 */
export function attestationIdentity(a: Pick<ReviewAttestation, 'commit' | 'digest'>): string {
  return a.commit ?? `sha256:${a.digest}`;
}

const attestationKey = (review: string, identity: string): string => `${review}\0${identity}`;

/** The history of a journal file; an empty history when there is no journal yet. */
export async function readHistory(file: string): Promise<JournalHistory> {
  return existsSync(file) ? buildHistory(await readJournal(file)) : EMPTY_HISTORY;
}

/**
 * The change an intent record was written for: the intent carries what the change was
 * (its id, provider, action, target, person, tier, reason) and, in `detail`, the
 * precondition it was sent under. Null for an intent missing any of it.
 */
function changeOfIntent(r: JournalRecord): PlanChange | null {
  const precondition = (r.detail as { precondition?: ChangePrecondition } | null | undefined)?.precondition;
  if (!r.changeId || !r.provider || !r.action || !r.target || !r.reason || !precondition) return null;
  return {
    id: r.changeId,
    provider: r.provider,
    action: r.action as PlanChange['action'],
    target: r.target,
    person: r.person ?? null,
    tier: r.tier ?? 'standard',
    reason: r.reason as PlanChange['reason'],
    requiresApproval: false,
    widensAccess: false,
    precondition,
  };
}
