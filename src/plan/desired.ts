import type { Policy } from '../policy/model.js';
import type { Person } from '../roster/model.js';
import type { PersonTriggers } from './context.js';
import { resolveEntitlements, type Entitlement } from './entitlements.js';
import { leaveRemovesAccess, personTriggers } from './lifecycle.js';

export interface DesiredState {
  /** Per person, aligned with the roster list: the lifecycle triggers that hold at `now`. */
  readonly triggers: readonly PersonTriggers[];
  /** Per person, aligned with the roster list: what they should hold at `now`. */
  readonly entitlements: readonly Entitlement[];
}

/**
 * What the policy says each person of the roster should hold at `now`: their lifecycle
 * triggers (termination, contract end, leave), whether they may hold access at all, and
 * their grants from assignments and exceptions. `leaveClock` gives the time a person's
 * leave began (the plan reads it from the journal; without one, now).
 */
export function desiredState(policy: Policy, people: readonly Person[], nowMs: number, leaveClock: (position: number) => number = () => nowMs): DesiredState {
  const triggers = people.map((p, position) => personTriggers(p, nowMs, () => leaveClock(position)));
  const isEntitled = (position: number): boolean => {
    const p = people[position]!;
    const t = triggers[position]!;
    if (t.terminatedAt !== null || t.contractEndAt !== null) return false;
    // A termination with a future end date is scheduled: access holds until that time.
    if (p.status === 'active' || p.status === 'terminated') return true;
    return p.status === 'leave' && !leaveRemovesAccess(policy.lifecycleRules, p, t.leaveAt ?? nowMs, nowMs);
  };
  return { triggers, entitlements: resolveEntitlements(policy, people, nowMs, isEntitled) };
}
