import type { PlanChange } from '../types/index.js';

/**
 * What planning needs to know from the audit journal: effects no provider can show
 * (sessions revoked, tokens revoked, ownership transferred, manual tasks confirmed),
 * open manual tasks, when an orphan was first acted on, and which access reviews are
 * already attested. Built from journal records
 * by `buildHistory`; an empty history is a valid input (no journal yet).
 */
export interface JournalHistory {
  /** True when the change id was recorded `ok` or `already` at or after `sinceMs`. */
  doneSince(changeId: string, sinceMs: number): boolean;
  /** Manual tasks handed out (`pending`) and not yet recorded done. */
  openTasks(): readonly OpenTask[];
  /** Earliest `triggerAt` recorded for a change about this account (orphan clock), in ms. */
  firstTriggerFor(provider: string, accountId: string, trigger: string): number | undefined;
  /**
   * True when an `attestation` record already holds this review at this identity (its
   * commit, or `sha256:<digest>` of its decisions when no commit backs them).
   */
  attested(review: string, identity: string): boolean;
  /**
   * Changes sent to a provider by a run that stopped before journaling their outcome (an
   * `intent` with no later `change` record of the same id): their effect may or may not
   * have happened. The next apply resolves each against a fresh observation.
   */
  interrupted(): readonly InterruptedChange[];
}

export interface InterruptedChange {
  change: PlanChange;
  runId: string;
  /** When the change was sent. */
  sentAt: string;
}

export interface OpenTask {
  changeId: string;
  provider: string;
  person: string | null;
  account: { id: string; login: string } | null;
  action: string;
  openedAt: string;
}

export const EMPTY_HISTORY: JournalHistory = {
  doneSince: () => false,
  openTasks: () => [],
  firstTriggerFor: () => undefined,
  attested: () => false,
  interrupted: () => [],
};
