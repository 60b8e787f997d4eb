import { personTriggers } from '../plan/lifecycle.js';
import { buildAccountMatcher, emailDomain, type RosterIdentities } from '../roster/match.js';
import type { Person } from '../roster/model.js';
import type { ConfigDocument, ObservedAccount, ObservedGroup, Snapshot } from '../types/index.js';

/**
 * Why a group is left unmanaged by an import. In the order they are tested:
 * - `system`: the provider's own (a Kubernetes `system:` binding);
 * - `empty`: no members;
 * - `no_people`: no member is a person the roster entitles to access today (only leavers
 *   or accounts outside the roster);
 * - `mostly_unmatched`: most of its accounts match no person in the roster;
 * - `outside_accounts`: some accounts outside the company domains match no person:
 *   managing the group would remove them, so it is left to a person to decide.
 */
export type SkipReason = 'system' | 'empty' | 'no_people' | 'mostly_unmatched' | 'outside_accounts';

/** One observed group, with its members sorted into what an import does with each. */
export interface GroupMembers {
  readonly provider: string;
  readonly group: ObservedGroup;
  /** Roster positions of the people entitled to access today who hold the group (through any of their accounts), ascending. */
  readonly members: readonly number[];
  /** Roster positions of members the roster no longer entitles (terminated, contract ended): the leaver rules remove them. */
  readonly leavers: readonly number[];
  /** Member accounts in a company domain that match no person (orphans). */
  readonly orphans: readonly ObservedAccount[];
  /** Member accounts outside the company domains that match no person. */
  readonly outside: readonly ObservedAccount[];
  /** Member accounts the Config protects: never changed, so neither explained nor removed. */
  readonly protectedAccounts: number;
  readonly skip: SkipReason | null;
}

export interface GroupsInput {
  readonly config: ConfigDocument;
  readonly people: readonly Person[];
  /** The loaded roster's identity index, when there is one (saves building it again). */
  readonly identities?: RosterIdentities | undefined;
  readonly snapshot: Snapshot;
  readonly now: Date;
  /** Providers to import, in the snapshot; default every provider the snapshot and the Config share. */
  readonly providers?: readonly string[] | undefined;
  /** Groups to consider, by name; default all. */
  readonly selectGroup?: ((name: string) => boolean) | undefined;
}

/**
 * Whether the roster entitles the person to access at `now`, as the planner decides it
 * under an imported policy (whose lifecycle rules never take access away for leave):
 * everyone but those terminated or past a contract end by `now`.
 */
export function entitledAt(person: Person, nowMs: number): boolean {
  const t = personTriggers(person, 0, nowMs, () => nowMs);
  return t.terminatedAt === null && t.contractEndAt === null;
}

/** A Kubernetes binding Kubernetes made for itself (`clusterrolebinding/system:...`). */
function isSystemGroup(name: string): boolean {
  return name.startsWith('system:') || name.includes('/system:');
}

/** An account of an imported provider that matches no person (protected accounts aside), with the groups it is in. */
export interface UnmatchedAccount {
  readonly provider: string;
  readonly login: string;
  readonly status: ObservedAccount['status'];
  /** In a company domain (an orphan) or outside them. */
  readonly orphan: boolean;
  readonly groups: readonly string[];
}

export interface SortedGroups {
  /** Every considered group of every imported provider, in provider then snapshot order. */
  readonly groups: readonly GroupMembers[];
  /** Every account of the imported providers matching no person, in provider then snapshot order. */
  readonly unmatched: readonly UnmatchedAccount[];
}

/** What an account without a person is, in the map of account owners (people are positions, 0 and up). */
const PROTECTED = -1;
const ORPHAN = -2;
const OUTSIDE = -3;

function ascending(positions: number[]): number[] {
  return Array.from(Int32Array.from(positions).sort());
}

/** The imported providers' groups, their members sorted, and the accounts that match no person. */
export function sortGroupMembers(input: GroupsInput): SortedGroups {
  const nowMs = input.now.getTime();
  const matcher = buildAccountMatcher(input.identities ?? input.people);
  const entitled = input.people.map((p) => entitledAt(p, nowMs));
  const domains = new Set((input.config.spec.domains ?? []).map((d) => d.toLowerCase()));
  const inDomain = (a: ObservedAccount): boolean => [a.login, ...(a.emails ?? [])].some((e) => domains.has(emailDomain(e) ?? ''));
  const protectedLogins = new Set((input.config.spec.protected ?? []).map((p) => `${p.provider}\u0000${p.login.toLowerCase()}`));
  const isProtected = (provider: string, login: string): boolean =>
    protectedLogins.has(`${provider}\u0000${login.toLowerCase()}`) || protectedLogins.has(`*\u0000${login.toLowerCase()}`);
  const providers = input.providers ?? Object.keys(input.snapshot.providers).filter((n) => n in input.config.spec.providers);

  const out: GroupMembers[] = [];
  const unmatched: UnmatchedAccount[] = [];
  // Whether a person was already counted in the group being sorted: its stamp, once per group.
  const seenIn = new Int32Array(input.people.length);
  let stamp = 0;
  for (const provider of providers) {
    const observed = input.snapshot.providers[provider];
    if (!observed) continue;
    // Each account once: the position of its person, or what it is when it has none.
    const whose = new Map<string, number>();
    for (const a of observed.accounts) {
      // Protected accounts are never changed, so they are neither explained nor removed.
      const m = isProtected(provider, a.login) ? null : matcher.matchAt(a);
      whose.set(a.id, m ? m.position : isProtected(provider, a.login) ? PROTECTED : inDomain(a) ? ORPHAN : OUTSIDE);
    }
    const byId = new Map(observed.accounts.map((a) => [a.id, a]));
    const groupsOf = new Map<string, string[]>();
    for (const a of observed.accounts) {
      const w = whose.get(a.id);
      if (w === ORPHAN || w === OUTSIDE) groupsOf.set(a.id, []);
    }
    for (const g of observed.groups) for (const id of g.members) groupsOf.get(id)?.push(g.name);
    for (const [id, groups] of groupsOf) {
      const a = byId.get(id)!;
      unmatched.push({ provider, login: a.login, status: a.status, orphan: whose.get(id) === ORPHAN, groups });
    }
    for (const group of observed.groups) {
      if (input.selectGroup && !input.selectGroup(group.name)) continue;
      stamp++;
      const members: number[] = [];
      const leavers: number[] = [];
      const orphans: ObservedAccount[] = [];
      const outside: ObservedAccount[] = [];
      let protectedAccounts = 0;
      let accountsSeen = 0;
      for (const id of group.members) {
        const w = whose.get(id);
        if (w === undefined) continue; // a member the provider did not list as an account: nothing to manage
        accountsSeen++;
        if (w === PROTECTED) protectedAccounts++;
        else if (w === ORPHAN) orphans.push(byId.get(id)!);
        else if (w === OUTSIDE) outside.push(byId.get(id)!);
        else if (seenIn[w] !== stamp) {
          seenIn[w] = stamp;
          (entitled[w] ? members : leavers).push(w);
        }
      }
      const unmatched = orphans.length + outside.length;
      const counted = accountsSeen - protectedAccounts;
      const skip: SkipReason | null = isSystemGroup(group.name)
        ? 'system'
        : accountsSeen === 0
          ? 'empty'
          : members.length === 0
            ? 'no_people'
            : unmatched * 2 > counted
              ? 'mostly_unmatched'
              : outside.length > 0
                ? 'outside_accounts'
                : null;
      out.push({
        provider,
        group,
        members: ascending(members),
        leavers: ascending(leavers),
        orphans,
        outside,
        protectedAccounts,
        skip,
      });
    }
  }
  return { groups: out, unmatched };
}
