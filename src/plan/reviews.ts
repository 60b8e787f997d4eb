import { addFinding, type PlanContext } from './context.js';
import { sourceOf, ruleName } from './change-set.js';
import { expiryInstant } from '../policy/expiry.js';
import { findingId } from './ids.js';

/** Access reviews past their due date with members still undecided. */
export function reviewFindings(ctx: PlanContext): void {
  for (const review of ctx.policy.reviews) {
    const { due, members } = review.doc.spec;
    const undecided = members.filter((m) => m.decision === 'undecided');
    if (undecided.length === 0 || ctx.nowMs < expiryInstant(due)) continue;
    const days = Math.floor((ctx.nowMs - expiryInstant(due)) / 86_400_000);
    addFinding(ctx, {
      id: findingId('review_overdue', review.doc.metadata.name),
      kind: 'review_overdue',
      severity: 'warning',
      person: null,
      message: `${ruleName(review)} was due ${due}: ${undecided.length} of ${members.length} member${members.length === 1 ? '' : 's'} still undecided (${undecided.map((m) => m.person).join(', ')})`,
      since: new Date(expiryInstant(due)).toISOString(),
      days,
      rule: ruleName(review),
      source: sourceOf(review, ['spec', 'due']),
    });
  }
}
