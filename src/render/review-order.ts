import { isContainment } from '../plan/containment.js';
import { effectiveAction } from '../plan/order.js';
import type { GuardViolation, Plan, PlanChange } from '../types/index.js';

/**
 * What a reviewer should look at first in a plan, most important first: access granted
 * to a privileged group, any other access granted, changes a guard violation counts,
 * leaver containment, then everything else. Read from the plan's own fields
 * (widensAccess, tier, guard.violations, reason); nothing is planned again.
 */
export type ReviewKind = 'privileged_widening' | 'widening' | 'guard' | 'containment' | 'other';

export const REVIEW_KINDS: readonly ReviewKind[] = ['privileged_widening', 'widening', 'guard', 'containment', 'other'];

/** A row's mark. */
export const REVIEW_LABEL: Record<ReviewKind, string> = {
  privileged_widening: 'grants privileged access',
  widening: 'grants access',
  guard: 'guard violation',
  containment: 'leaver containment',
  other: '',
};

/** After a count: `3 granting privileged access`. */
const COUNTED: Record<ReviewKind, string> = {
  privileged_widening: 'granting privileged access',
  widening: 'granting access',
  guard: 'counted by a guard violation',
  containment: 'containing a leaver',
  other: 'other',
};

/** Whether a violation counts this change (the removals of its group, the suspensions and deletes of its provider). */
function countedBy(v: GuardViolation, c: PlanChange): boolean {
  if (v.provider !== c.provider) return false;
  const action = effectiveAction(c);
  if (v.kind === 'mass_suspend') return action === 'suspend' || action === 'delete';
  return action === 'remove_member' && c.target.group?.name === v.group;
}

/** A classifier for the changes of one plan. */
export function reviewKindOf(plan: Pick<Plan, 'guard'>): (c: PlanChange) => ReviewKind {
  const violations = plan.guard.violations;
  return (c) => {
    if (c.widensAccess) return c.tier === 'privileged' ? 'privileged_widening' : 'widening';
    if (violations.some((v) => countedBy(v, c))) return 'guard';
    if (isContainment(c)) return 'containment';
    return 'other';
  };
}

export type KindCounts = Record<ReviewKind, number>;

export const noCounts = (): KindCounts => ({ privileged_widening: 0, widening: 0, guard: 0, containment: 0, other: 0 });

/** The changes in review order: by kind, and within a kind in plan (apply) order. */
export function inReviewOrder(changes: readonly PlanChange[], kindOf: (c: PlanChange) => ReviewKind): { change: PlanChange; kind: ReviewKind }[] {
  return changes
    .map((change, i) => ({ change, kind: kindOf(change), i }))
    .sort((a, b) => REVIEW_KINDS.indexOf(a.kind) - REVIEW_KINDS.indexOf(b.kind) || a.i - b.i)
    .map(({ change, kind }) => ({ change, kind }));
}

/** How many of each kind, for "not shown" lines. */
export function countKinds(rows: readonly { kind: ReviewKind }[]): KindCounts {
  const n = noCounts();
  for (const r of rows) n[r.kind]++;
  return n;
}

export function describeCounts(n: KindCounts): string {
  return REVIEW_KINDS.filter((k) => n[k] > 0)
    .map((k) => `${n[k]} ${COUNTED[k]}`)
    .join(', ');
}
