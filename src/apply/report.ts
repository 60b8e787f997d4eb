import type { ApplyResult, PlanChange, ReviewAttestation } from '../types/index.js';
import { plural } from '../wording/plural.js';

/** The outcome of one change in one run; `error` is already redacted. */
export interface ChangeOutcome {
  change: PlanChange;
  result: ApplyResult;
  error?: string;
  detail?: string;
}

/**
 * What an apply run did, in plan order. `halted` means the guard stopped the run and
 * nothing was applied (exit 3); otherwise `counts.failed > 0` means exit 1.
 * Invariant: every change of the plan has exactly one outcome.
 */
export interface ApplyReport {
  runId: string;
  halted: boolean;
  results: ChangeOutcome[];
  counts: Record<ApplyResult, number>;
  /** Access reviews attested in the run's journal. */
  attested: ReviewAttestation[];
}

export const APPLY_RESULTS: readonly ApplyResult[] = ['ok', 'already', 'failed', 'stale', 'halted', 'pending', 'skipped'];

export function countResults(results: readonly ChangeOutcome[]): Record<ApplyResult, number> {
  const counts = Object.fromEntries(APPLY_RESULTS.map((r) => [r, 0])) as Record<ApplyResult, number>;
  for (const r of results) counts[r.result]++;
  return counts;
}

/** One line for the end of a run, e.g. `Apply: 5 ok, 2 already, 1 failed, 1 stale.` */
export function summariseReport(report: ApplyReport): string {
  if (report.halted) return `Apply halted by the guard: nothing applied (${plural(report.results.length, 'change')} held).`;
  const parts = APPLY_RESULTS.filter((r) => report.counts[r] > 0).map((r) => `${report.counts[r]} ${r}`);
  return parts.length === 0 ? 'Apply: no changes.' : `Apply: ${parts.join(', ')}.`;
}
