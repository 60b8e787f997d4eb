import { UserError } from '../errors.js';
import type { Policy } from '../policy/model.js';
import { desiredState } from '../plan/desired.js';
import type { Person } from '../roster/model.js';
import type { AccessReviewDocument, Tier } from '../types/index.js';

export interface ReviewScope {
  readonly role?: string;
  readonly tier?: Tier;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * A new access review of one role, or of every role of a tier: each person the policy
 * gives those roles today, with the grants they bring, `decision: undecided` for the
 * reviewer to fill in. Pure.
 */
export function startReview(policy: Policy, people: readonly Person[], scope: ReviewScope, now: Date, dueMs: number): AccessReviewDocument {
  if (!scope.role === !scope.tier) throw new UserError('review start needs --role NAME or --tier standard|privileged (one of them)');
  if (scope.role && !policy.roles.has(scope.role)) {
    throw new UserError(`no RoleProfile "${scope.role}" (roles: ${[...policy.roles.keys()].sort().join(', ')})`);
  }
  const roles = [...policy.roles.values()].filter((r) => (scope.role ? r.doc.metadata.name === scope.role : (r.doc.spec.tier ?? 'standard') === scope.tier));
  const names = new Set(roles.map((r) => r.doc.metadata.name));
  const { entitlements } = desiredState(policy, people, now.getTime());
  const members = entitlements
    .filter((e) => e.entitled && [...e.roles.keys()].some((r) => names.has(r)))
    .map((e) => {
      const held = [...e.roles.keys()].filter((r) => names.has(r)).sort();
      const grants = new Map<string, { provider: string; group: string }>();
      for (const r of held) for (const g of policy.roles.get(r)!.doc.spec.grants) grants.set(`${g.provider}\u0000${g.group}`, { provider: g.provider, group: g.group });
      return { person: e.person.email, roles: held, grants: [...grants.values()], decision: 'undecided' as const };
    })
    .sort((a, b) => a.person.localeCompare(b.person));
  const subject = scope.role ?? `${scope.tier}-roles`;
  return {
    apiVersion: 'lockstep.dev/v1',
    kind: 'AccessReview',
    metadata: { name: `${subject}-${day(now.getTime())}` },
    spec: { scope: scope.role ? { role: scope.role } : { tier: scope.tier! }, started: day(now.getTime()), due: day(dueMs), members },
  };
}
