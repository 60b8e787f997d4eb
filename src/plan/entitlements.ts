import type { Located, Policy } from '../policy/model.js';
import type { Person } from '../roster/model.js';
import type {
  ExceptionDocument,
  PersonSelector,
  RoleAssignmentDocument,
  RoleProfileDocument,
  Tier,
} from '../types/index.js';
import { expiryInstant } from './expiry.js';
import { personKey } from './observed-index.js';

export const grantKey = (provider: string, group: string): string => `${provider}\u0000${group}`;

/** Where a desired grant comes from, for the change's reason and source line. */
export interface GrantOrigin {
  readonly role: Located<RoleProfileDocument>;
  readonly grantIndex: number;
  readonly assignment: Located<RoleAssignmentDocument>;
}

/** A group some RoleProfile names: managed authoritatively. */
export interface ManagedGroup {
  readonly provider: string;
  readonly group: string;
  /** The first role (by name) that names the group: the rule drift removals cite. */
  readonly role: Located<RoleProfileDocument>;
  readonly grantIndex: number;
  /** privileged when any privileged role grants it. */
  readonly tier: Tier;
}

/** What one person should hold, from assignments and exceptions, at `now`. */
export interface Entitlement {
  readonly person: Person;
  /** Roles from unexpired assignments that select the person, whatever their status. */
  readonly roles: ReadonlySet<string>;
  readonly tier: Tier;
  /** Whether the person may hold access at all (active, or on leave the leave rule allows). */
  readonly entitled: boolean;
  /** Desired grants; empty unless the person is entitled (active, or on leave the leave rule allows). */
  readonly grants: ReadonlyMap<string, GrantOrigin>;
  /** Grants kept by an unexpired exception (protect existing memberships; add only when entitled). */
  readonly exceptions: ReadonlyMap<string, Located<ExceptionDocument>>;
  /** Grants whose exception has expired. */
  readonly expiredExceptions: ReadonlyMap<string, Located<ExceptionDocument>>;
}

export function managedGroups(policy: Policy): Map<string, ManagedGroup> {
  const managed = new Map<string, ManagedGroup>();
  const names = [...policy.roles.keys()].sort();
  for (const name of names) {
    const role = policy.roles.get(name)!;
    const tier: Tier = role.doc.spec.tier ?? 'standard';
    role.doc.spec.grants.forEach((g, grantIndex) => {
      const key = grantKey(g.provider, g.group);
      const seen = managed.get(key);
      if (!seen) managed.set(key, { provider: g.provider, group: g.group, role, grantIndex, tier });
      else if (tier === 'privileged' && seen.tier !== 'privileged') managed.set(key, { ...seen, tier });
    });
  }
  return managed;
}

export function selectorMatches(selector: PersonSelector | undefined, person: Person): boolean {
  if (!selector) return true;
  const fields: Record<keyof PersonSelector, string | null> = {
    employeeId: person.employeeId,
    email: person.email,
    department: person.department,
    title: person.title,
    employmentType: person.employmentType,
    status: person.status,
    org: person.org,
    managerEmail: person.managerEmail,
  };
  for (const [key, want] of Object.entries(selector) as Array<[keyof PersonSelector, string | string[] | undefined]>) {
    if (want === undefined) continue;
    const have = (fields[key] ?? '').toLowerCase();
    const options = Array.isArray(want) ? want : [want];
    if (!options.some((w) => w.toLowerCase() === have)) return false;
  }
  return true;
}

/**
 * Resolves every person's entitlement. `isEntitled` says whether the person may hold
 * access at all (active, or on leave within what the leave rule allows).
 */
export function resolveEntitlements(
  policy: Policy,
  people: readonly Person[],
  nowMs: number,
  isEntitled: (p: Person) => boolean,
): Map<string, Entitlement> {
  const liveAssignments = policy.assignments.filter((a) => {
    const exp = a.doc.spec.expires;
    return exp === undefined || nowMs < expiryInstant(exp);
  });
  const explicit = new Map<string, Located<RoleAssignmentDocument>[]>();
  for (const a of liveAssignments) {
    for (const email of a.doc.spec.people ?? []) {
      const k = email.toLowerCase();
      const list = explicit.get(k);
      if (list) list.push(a);
      else explicit.set(k, [a]);
    }
  }
  const selecting = liveAssignments.filter((a) => a.doc.spec.select !== undefined);
  const exceptionsOf = new Map<string, Located<ExceptionDocument>[]>();
  for (const e of policy.exceptions) {
    const k = e.doc.spec.person.toLowerCase();
    const list = exceptionsOf.get(k);
    if (list) list.push(e);
    else exceptionsOf.set(k, [e]);
  }

  const result = new Map<string, Entitlement>();
  for (const person of people) {
    const key = personKey(person);
    const assignments = [...(explicit.get(key) ?? []), ...selecting.filter((a) => selectorMatches(a.doc.spec.select, person))];
    const roles = new Set<string>();
    const grants = new Map<string, GrantOrigin>();
    let tier: Tier = 'standard';
    const entitled = isEntitled(person);
    for (const assignment of assignments) {
      for (const roleName of assignment.doc.spec.roles) {
        const role = policy.roles.get(roleName);
        if (!role) continue; // loadPolicy refuses unknown roles; defensive for in-memory policies
        roles.add(roleName);
        if (role.doc.spec.tier === 'privileged') tier = 'privileged';
        if (!entitled) continue;
        role.doc.spec.grants.forEach((g, grantIndex) => {
          const k = grantKey(g.provider, g.group);
          if (!grants.has(k)) grants.set(k, { role, grantIndex, assignment });
        });
      }
    }
    const exceptions = new Map<string, Located<ExceptionDocument>>();
    const expiredExceptions = new Map<string, Located<ExceptionDocument>>();
    for (const e of exceptionsOf.get(key) ?? []) {
      const live = nowMs < expiryInstant(e.doc.spec.expires);
      for (const g of e.doc.spec.grants) {
        const k = grantKey(g.provider, g.group);
        if (live) exceptions.set(k, e);
        else if (!exceptions.has(k)) expiredExceptions.set(k, e);
      }
    }
    for (const k of exceptions.keys()) expiredExceptions.delete(k);
    result.set(key, { person, roles, tier, entitled, grants, exceptions, expiredExceptions });
  }
  return result;
}
