import type { Located, Policy } from '../policy/model.js';
import type { Person, SelectorField } from '../roster/model.js';
import type { AccessReviewDocument, ExceptionDocument, PersonSelector, RoleAssignmentDocument, RoleProfileDocument, Tier } from '../types/index.js';
import { expiryInstant } from '../policy/expiry.js';
import { grantKey } from '../policy/managed-groups.js';

type ExceptionGrants = Pick<Entitlement, 'exceptions' | 'expiredExceptions'>;
const NO_EXCEPTIONS: ExceptionGrants = { exceptions: new Map(), expiredExceptions: new Map() };

/** Grants a person's exceptions keep now, and grants only expired exceptions named. */
function splitExceptions(list: ReadonlyArray<Located<ExceptionDocument>>, nowMs: number): ExceptionGrants {
  const exceptions = new Map<string, Located<ExceptionDocument>>();
  const expiredExceptions = new Map<string, Located<ExceptionDocument>>();
  for (const e of list) {
    const live = nowMs < expiryInstant(e.doc.spec.expires);
    for (const g of e.doc.spec.grants) (live ? exceptions : expiredExceptions).set(grantKey(g.provider, g.group), e);
  }
  for (const k of exceptions.keys()) expiredExceptions.delete(k);
  return { exceptions, expiredExceptions };
}

/** Where a desired grant comes from (one grant of one role), for the change's reason and source line. */
export interface GrantOrigin {
  readonly role: Located<RoleProfileDocument>;
  readonly grantIndex: number;
}

/** What one person should hold, from assignments and exceptions, at `now`. */
export interface Entitlement {
  readonly person: Person;
  /** Roles from unexpired assignments that select the person, whatever their status, with the first assignment giving each. */
  readonly roles: ReadonlyMap<string, Located<RoleAssignmentDocument>>;
  readonly tier: Tier;
  /** Whether the person may hold access at all (active, or on leave the leave rule allows). */
  readonly entitled: boolean;
  /** Desired grants; empty unless the person is entitled (active, or on leave the leave rule allows). */
  readonly grants: ReadonlyMap<string, GrantOrigin>;
  /** Grants kept by an unexpired exception (protect existing memberships; add only when entitled). */
  readonly exceptions: ReadonlyMap<string, Located<ExceptionDocument>>;
  /** Grants whose exception has expired. */
  readonly expiredExceptions: ReadonlyMap<string, Located<ExceptionDocument>>;
  /** Grants an access review decided to revoke: no longer desired, removed with the review as the reason. */
  readonly reviewRevoked?: ReadonlyMap<string, ReviewDecision>;
}

/** A `revoke` decision of an access review: the review and the member entry that decided it. */
export interface ReviewDecision {
  readonly review: Located<AccessReviewDocument>;
  readonly member: number;
}

/** A selector compiled once: every key must match; a list means any of its values; case-insensitive. */
export type CompiledSelector = (p: Person) => boolean;

const MATCH_ALL: CompiledSelector = () => true;

/** The compiled form of a selector; absent selects everyone. */
export function compileSelector(selector: PersonSelector | undefined): CompiledSelector {
  if (!selector) return MATCH_ALL;
  const tests = (Object.entries(selector) as Array<[SelectorField, string | string[] | undefined]>)
    .filter(([, want]) => want !== undefined)
    .map(([field, want]) => {
      const options = new Set((Array.isArray(want) ? want : [want!]).map((w) => w.toLowerCase()));
      return (p: Person) => options.has(p.lower[field]);
    });
  return tests.length === 1 ? tests[0]! : (p: Person) => tests.every((t) => t(p));
}

/**
 * For each person, the positions of the selecting assignments that pick them, in order.
 * Selectors compare lowercased roster fields only, so the answer is a function of the
 * values of the fields any selector names: it is computed once per distinct combination
 * (a trie over those fields) and the same array is returned for every person sharing it.
 */
function selectionMemo(selecting: ReadonlyArray<{ at: number; select: PersonSelector; test: CompiledSelector }>): (p: Person) => readonly number[] {
  const fields = [...new Set(selecting.flatMap(({ select }) => (Object.keys(select) as SelectorField[]).filter((f) => select[f] !== undefined)))].sort();
  type Node = Map<string, Node | readonly number[]>;
  const root: Node = new Map();
  return (p) => {
    let node = root;
    for (let i = 0; i < fields.length - 1; i++) {
      const value = p.lower[fields[i]!];
      let next = node.get(value) as Node | undefined;
      if (!next) node.set(value, (next = new Map()));
      node = next;
    }
    const last = fields.length === 0 ? '' : p.lower[fields[fields.length - 1]!];
    let leaf = node.get(last) as readonly number[] | undefined;
    if (!leaf) node.set(last, (leaf = selecting.filter(({ test }) => test(p)).map(({ at }) => at)));
    return leaf;
  };
}

/** What a set of assignments gives: the same for every person those assignments select. */
type AssignedAccess = Pick<Entitlement, 'roles' | 'tier' | 'grants'>;

/**
 * Resolves every person's entitlement, aligned with `people`. `isEntitled` says whether
 * the person at a position may hold access at all (active, or on leave within what the
 * leave rule allows). People selected by the same assignments share one roles map and
 * one grants map (read-only), so a large roster costs a handful of maps, not two a person.
 */
export function resolveEntitlements(policy: Policy, people: readonly Person[], nowMs: number, isEntitled: (position: number) => boolean): Entitlement[] {
  const liveAssignments = policy.assignments.filter((a) => {
    const exp = a.doc.spec.expires;
    return exp === undefined || nowMs < expiryInstant(exp);
  });
  const explicit = new Map<string, number[]>();
  liveAssignments.forEach((a, at) => {
    for (const email of a.doc.spec.people ?? []) {
      const k = email.toLowerCase();
      const list = explicit.get(k);
      if (list) list.push(at);
      else explicit.set(k, [at]);
    }
  });
  const selecting = liveAssignments
    .map((a, at) => ({ at, select: a.doc.spec.select }))
    .filter((s) => s.select !== undefined)
    .map(({ at, select }) => ({ at, select: select!, test: compileSelector(select) }));
  const exceptionsOf = new Map<string, Located<ExceptionDocument>[]>();
  for (const e of policy.exceptions) {
    const k = e.doc.spec.person.toLowerCase();
    const list = exceptionsOf.get(k);
    if (list) list.push(e);
    else exceptionsOf.set(k, [e]);
  }

  // Per role, its grants' keys and origins, made once and shared by every person holding the role.
  const roleGrants = new Map<string, { role: Located<RoleProfileDocument>; keys: string[]; origins: GrantOrigin[] }>();
  for (const [name, role] of policy.roles) {
    roleGrants.set(name, {
      role,
      keys: role.doc.spec.grants.map((g) => grantKey(g.provider, g.group)),
      origins: role.doc.spec.grants.map((_, grantIndex) => ({ role, grantIndex })),
    });
  }
  const assignedAccess = (taken: readonly number[], entitled: boolean): AssignedAccess => {
    const roles = new Map<string, Located<RoleAssignmentDocument>>();
    const grants = new Map<string, GrantOrigin>();
    let tier: Tier = 'standard';
    for (const at of taken) {
      const assignment = liveAssignments[at]!;
      for (const roleName of assignment.doc.spec.roles) {
        const rg = roleGrants.get(roleName);
        if (!rg) continue; // loadPolicy refuses unknown roles; defensive for in-memory policies
        if (!roles.has(roleName)) roles.set(roleName, assignment);
        if (rg.role.doc.spec.tier === 'privileged') tier = 'privileged';
        if (!entitled) continue;
        for (let grantIndex = 0; grantIndex < rg.keys.length; grantIndex++) {
          const k = rg.keys[grantIndex]!;
          if (!grants.has(k)) grants.set(k, rg.origins[grantIndex]!);
        }
      }
    }
    return { roles, tier, grants };
  };

  // Which selecting assignments pick a person depends only on the roster fields their
  // selectors name, so it is worked out once per combination of those fields' values (a
  // few hundred at most, against 100,000 people) and shared.
  const selectedBy = selectionMemo(selecting);
  // Keyed by the assignments taken, in order, and whether the person is entitled: by the
  // shared selection list when no assignment names the person, else by a signature.
  const sharedBySelection = new Map<readonly number[], { y?: AssignedAccess; n?: AssignedAccess }>();
  const shared = new Map<string, AssignedAccess>();
  const result = new Array<Entitlement>(people.length);
  for (let position = 0; position < people.length; position++) {
    const person = people[position]!;
    const key = person.key;
    const entitled = isEntitled(position);
    const selected = selectedBy(person);
    const named = explicit.get(key);
    let access: AssignedAccess | undefined;
    if (!named) {
      let both = sharedBySelection.get(selected);
      if (!both) sharedBySelection.set(selected, (both = {}));
      access = entitled ? (both.y ??= assignedAccess(selected, true)) : (both.n ??= assignedAccess(selected, false));
    } else {
      const taken = [...named, ...selected];
      const signature = `${entitled ? 'y' : 'n'}${taken.join(',')}`;
      access = shared.get(signature);
      if (!access) shared.set(signature, (access = assignedAccess(taken, entitled)));
    }
    const personExceptions = exceptionsOf.get(key);
    const { exceptions, expiredExceptions } = personExceptions ? splitExceptions(personExceptions, nowMs) : NO_EXCEPTIONS;
    result[position] = { person, roles: access.roles, tier: access.tier, entitled, grants: access.grants, exceptions, expiredExceptions };
  }
  return result;
}
