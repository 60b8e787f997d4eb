import type { Policy } from '../policy/model.js';
import type { Person } from '../roster/model.js';
import type { PersonTriggers } from './context.js';
import { grantKey } from '../policy/managed-groups.js';
import { resolveEntitlements, type Entitlement, type ReviewDecision } from './entitlements.js';
import { personTriggers } from './lifecycle.js';
import { leaveRemovesAccess, lifecycleRules, type LifecycleRule } from './rules.js';

export interface DesiredState {
  /** Per person, aligned with the roster list: the lifecycle triggers that hold at `now`. */
  readonly triggers: readonly PersonTriggers[];
  /** Per person, aligned with the roster list: what they should hold at `now`. */
  readonly entitlements: readonly Entitlement[];
  /** The policy's lifecycle rules as planning asks about them. */
  readonly lifecycle: readonly LifecycleRule[];
}

/**
 * What the policy says each person of the roster should hold at `now`: their lifecycle
 * triggers (termination, contract end, leave), whether they may hold access at all, and
 * their grants from assignments and exceptions. `leaveClock` gives the time a person's
 * leave began (the plan reads it from the journal; without one, now).
 */
export function desiredState(policy: Policy, people: readonly Person[], nowMs: number, leaveClock: (position: number) => number = () => nowMs): DesiredState {
  // Each person's triggers are worked out when resolveEntitlements first asks whether they
  // are entitled, so that the roster is walked once (at 100,000 people every walk costs a
  // cache miss per person); anyone it did not ask about is filled in after.
  const lifecycle = lifecycleRules(policy.lifecycleRules);
  const triggers = new Array<PersonTriggers>(people.length);
  const triggersOf = (position: number): PersonTriggers => (triggers[position] ??= personTriggers(people[position]!, position, nowMs, leaveClock));
  const isEntitled = (position: number): boolean => {
    const p = people[position]!;
    const t = triggersOf(position);
    if (t.terminatedAt !== null || t.contractEndAt !== null) return false;
    // A termination with a future end date is scheduled: access holds until that time.
    if (p.status === 'active' || p.status === 'terminated') return true;
    return p.status === 'leave' && !leaveRemovesAccess(lifecycle, p, t.leaveAt ?? nowMs, nowMs);
  };
  const entitlements = applyReviews(policy, resolveEntitlements(policy, people, nowMs, isEntitled));
  for (let position = 0; position < people.length; position++) triggersOf(position);
  return { triggers, entitlements, lifecycle };
}

/**
 * Access reviews merged into the policy: a `revoke` decision takes the reviewed grants
 * out of the person's desired access (so they are removed, and never added back while the
 * review stands), remembering the decision as the removal's reason.
 */
function applyReviews(policy: Policy, entitlements: Entitlement[]): Entitlement[] {
  const revoked = new Map<string, Map<string, ReviewDecision>>();
  for (const review of policy.reviews) {
    review.doc.spec.members.forEach((m, member) => {
      if (m.decision !== 'revoke') return;
      const person = m.person.toLowerCase();
      const mine = revoked.get(person) ?? new Map<string, ReviewDecision>();
      for (const g of m.grants) if (!mine.has(grantKey(g.provider, g.group))) mine.set(grantKey(g.provider, g.group), { review, member });
      revoked.set(person, mine);
    });
  }
  if (revoked.size === 0) return entitlements;
  return entitlements.map((e) => {
    const decisions = revoked.get(e.person.email.toLowerCase());
    if (!decisions) return e;
    const grants = new Map([...e.grants].filter(([key]) => !decisions.has(key)));
    return { ...e, grants, reviewRevoked: decisions };
  });
}
