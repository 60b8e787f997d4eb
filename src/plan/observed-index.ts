import type { ObservedAccount, ObservedGroup, ProviderType, Snapshot } from '../types/index.js';
import type { Person } from '../roster/model.js';
import { buildAccountMatcher, emailDomain, matchPosition, matchVia, type RosterIdentities } from '../roster/match.js';
import { parseObservedInstant } from './instant.js';

export type MatchVia = 'employee_id' | 'email' | 'alias';

/** An observed account with the person it belongs to (if any). */
export interface IndexedAccount {
  readonly provider: string;
  readonly account: ObservedAccount;
  /** The account's status (as `account.status`, kept here so that planning need not read the account). */
  readonly status: ObservedAccount['status'];
  readonly person: Person | null;
  /** The person's position in the roster list (the index into per-person arrays); -1 when unmatched. */
  readonly personAt: number;
  readonly via: MatchVia | null;
  /** Groups the account is a member of, in snapshot order; accounts in the same groups share one list, so it is never changed. */
  readonly groups: readonly ObservedGroup[];
  /** True when the login or an email is in a company domain (computed for unmatched accounts only). */
  readonly inCompanyDomain: boolean;
  /** Last sign-in (or creation, for an account never signed in to) in epoch ms; null when unknown. */
  readonly lastActivityMs: number | null;
}

/** A provider's indexed accounts by account id. */
export interface AccountsById {
  get(id: string): IndexedAccount | undefined;
}

export interface IndexedProvider {
  readonly name: string;
  readonly type: ProviderType;
  readonly accounts: AccountsById;
  readonly groupsByName: ReadonlyMap<string, ObservedGroup>;
  readonly groupsById: ReadonlyMap<string, ObservedGroup>;
  /** Accounts that match no person, in snapshot order. */
  readonly unmatchedAccounts: readonly IndexedAccount[];
  readonly activeAccounts: number;
}

/**
 * The snapshot indexed for planning: accounts by id, groups by name and id, each
 * account's groups, and every account matched to a person once.
 * O(accounts + memberships); members that are not accounts (nested groups) are kept in
 * the group's own list but belong to no account.
 */
export interface ObservedIndex {
  readonly providers: ReadonlyMap<string, IndexedProvider>;
  /**
   * Accounts of each person across providers, in provider name order then snapshot order,
   * aligned with the roster list. An array rather than a map by key: planning visits every
   * person's accounts, and array slots avoid a hash lookup per visit.
   */
  readonly accountsByPerson: ReadonlyArray<readonly IndexedAccount[]>;
}

export function indexObserved(
  snapshot: Snapshot,
  people: readonly Person[],
  domains: readonly string[],
  typeOf: (provider: string) => ProviderType | undefined,
  identities?: RosterIdentities,
): ObservedIndex {
  // The loaded roster's identity index when it is for these people, else one built here.
  const matcher = buildAccountMatcher(identities?.people === people ? identities : people);
  const companyDomains = new Set(domains.map((d) => d.toLowerCase()));
  const inCompany = (account: ObservedAccount): boolean => {
    if (companyDomains.size === 0) return false;
    if (companyDomains.has(emailDomain(account.login) ?? '')) return true;
    for (const e of account.emails ?? []) if (companyDomains.has(emailDomain(e) ?? '')) return true;
    return false;
  };
  const governed: ProviderTable[] = [];
  for (const name of Object.keys(snapshot.providers).sort()) {
    const type = typeOf(name);
    if (type) governed.push(new ProviderTable(name, type, snapshot.providers[name]!)); // not in Config: observed but not governed
  }

  // 1. In snapshot order: every account read once (matched, slotted by id, its status and
  //    last activity kept by slot); each person's accounts counted.
  const owned = new Int32Array(people.length);
  for (const table of governed) {
    const list = table.observed.accounts;
    for (let i = 0; i < list.length; i++) {
      const account = list[i]!;
      const code = matcher.matchCode(account);
      table.codes[i] = code;
      table.ids[i] = account.id;
      table.statuses[i] = account.status;
      if (account.status === 'active') table.active++;
      const seen = account.lastLoginAt ?? account.createdAt ?? null;
      table.activity[i] = seen ? parseObservedInstant(seen) : Number.NaN;
      if (code >= 0) owned[matchPosition(code)]!++;
    }
    table.resolveMembers();
  }

  // 2. Each person's accounts, in provider name order then snapshot order (a counting sort
  //    of (provider, slot) pairs by person).
  const starts = new Int32Array(people.length + 1);
  for (let p = 0; p < people.length; p++) starts[p + 1] = starts[p]! + owned[p]!;
  const pairs = new Int32Array(starts[people.length]! * 2);
  owned.set(starts.subarray(0, people.length));
  governed.forEach((table, g) => {
    for (let i = 0; i < table.codes.length; i++) {
      const code = table.codes[i]!;
      if (code < 0) continue;
      const at = owned[matchPosition(code)]!++ * 2;
      pairs[at] = g;
      pairs[at + 1] = i;
    }
  });

  // 3. The indexed accounts made person by person, each next to its group list: planning
  //    visits them in this order, and at half a million accounts what it costs is mostly
  //    the memory it touches, so neighbours in the visit are neighbours in memory.
  const make = (table: ProviderTable, i: number, person: Person | null, position: number): IndexedAccount => {
    const account = table.observed.accounts[i]!;
    const ms = table.activity[i]!;
    const indexed: IndexedAccount = {
      provider: table.name,
      account,
      status: table.statuses[i]!,
      person,
      personAt: position,
      via: matchVia(table.codes[i]!),
      groups: table.groupsOf(i),
      inCompanyDomain: person ? false : inCompany(account),
      lastActivityMs: Number.isNaN(ms) ? null : ms,
    };
    table.list[i] = indexed;
    return indexed;
  };
  const accountsByPerson = new Array<IndexedAccount[]>(people.length);
  for (let p = 0; p < people.length; p++) {
    const from = starts[p]!;
    const to = starts[p + 1]!;
    if (from === to) {
      accountsByPerson[p] = NO_ACCOUNTS;
      continue;
    }
    const person = people[p]!;
    const mine = new Array<IndexedAccount>(to - from);
    for (let k = from; k < to; k++) mine[k - from] = make(governed[pairs[k * 2]!]!, pairs[k * 2 + 1]!, person, p);
    accountsByPerson[p] = mine;
  }
  const providers = new Map<string, IndexedProvider>();
  for (const table of governed) {
    const unmatched: IndexedAccount[] = [];
    for (let i = 0; i < table.codes.length; i++) if (table.codes[i]! < 0) unmatched.push(make(table, i, null, -1));
    providers.set(table.name, {
      name: table.name,
      type: table.type,
      accounts: table,
      groupsByName: table.groupsByName,
      groupsById: table.groupsById,
      unmatchedAccounts: unmatched,
      activeAccounts: table.active,
    });
  }
  return { providers, accountsByPerson };
}

/**
 * One provider's part of the index while it is built, and afterwards its accounts by id
 * (a slot per account, in snapshot order, and the indexed account in each slot). Group
 * memberships are resolved to slots once and kept as one list per account, in snapshot
 * group order.
 */
class ProviderTable implements AccountsById {
  /** Match code per slot (see AccountMatcher.matchCode). */
  readonly codes: Int32Array;
  /** Account id per slot. */
  readonly ids: string[];
  /** Slot per account id (the last slot, should an id repeat); made when first needed. */
  private slots: Map<string, number> | null = null;
  readonly statuses: Array<ObservedAccount['status']>;
  /** Last sign-in (or creation) in epoch ms per slot; NaN when unknown. */
  readonly activity: Float64Array;
  active = 0;
  readonly list: IndexedAccount[];
  readonly groupsByName = new Map<string, ObservedGroup>();
  readonly groupsById = new Map<string, ObservedGroup>();
  /** Memberships by slot: the groups of slot i are groupAt[starts[i]] up to starts[i + 1], as indexes into observed.groups. */
  private starts = new Int32Array(0);
  private groupAt = new Int32Array(0);
  private readonly lists: GroupListNode = { next: [] };

  constructor(
    readonly name: string,
    readonly type: ProviderType,
    readonly observed: Snapshot['providers'][string],
  ) {
    this.codes = new Int32Array(observed.accounts.length);
    this.ids = new Array<string>(observed.accounts.length);
    this.statuses = new Array<ObservedAccount['status']>(observed.accounts.length);
    this.activity = new Float64Array(observed.accounts.length);
    this.list = new Array<IndexedAccount>(observed.accounts.length);
  }

  get(id: string): IndexedAccount | undefined {
    const slot = this.slotMap().get(id);
    return slot === undefined ? undefined : this.list[slot];
  }

  private slotMap(): Map<string, number> {
    if (!this.slots) {
      this.slots = new Map();
      for (let i = 0; i < this.ids.length; i++) this.slots.set(this.ids[i]!, i);
    }
    return this.slots;
  }

  /**
   * Every group's members as slots (members that are not accounts, such as nested groups,
   * belong to no account). When the accounts and a group's members are both in id order,
   * as `lockstep observe` writes them (see inCanonicalOrder), the two lists are merged;
   * otherwise each member is looked up by id. Both give the same slots.
   */
  resolveMembers(): void {
    const groups = this.observed.groups;
    const counts = new Int32Array(this.codes.length);
    const members: Int32Array[] = [];
    const idsInOrder = inIdOrder(this.ids);
    for (const group of groups) {
      this.groupsByName.set(group.name, group);
      this.groupsById.set(group.id, group);
      const ids = group.members;
      const slots = new Int32Array(ids.length);
      let n = idsInOrder ? mergeSorted(this.ids, ids, slots) : -1;
      if (n < 0) {
        const slotOf = this.slotMap();
        n = 0;
        for (let j = 0; j < ids.length; j++) {
          const slot = slotOf.get(ids[j]!);
          if (slot !== undefined) slots[n++] = slot;
        }
      }
      for (let k = 0; k < n; k++) counts[slots[k]!]!++;
      members.push(slots.subarray(0, n));
    }
    const starts = new Int32Array(this.codes.length + 1);
    for (let i = 0; i < this.codes.length; i++) starts[i + 1] = starts[i]! + counts[i]!;
    const next = starts.slice(0, this.codes.length);
    const groupAt = new Int32Array(starts[this.codes.length]!);
    members.forEach((slots, g) => {
      for (let j = 0; j < slots.length; j++) groupAt[next[slots[j]!]!++] = g;
    });
    this.starts = starts;
    this.groupAt = groupAt;
  }

  /**
   * The groups of the account in a slot, in snapshot order. Accounts in the same groups
   * share one (read-only) list: a provider has a few hundred combinations of groups at
   * most against a hundred thousand accounts, and shared lists stay in cache.
   */
  groupsOf(slot: number): readonly ObservedGroup[] {
    const from = this.starts[slot]!;
    const to = this.starts[slot + 1]!;
    if (from === to) return NO_GROUPS;
    let node = this.lists;
    for (let k = from; k < to; k++) {
      const g = this.groupAt[k]!;
      node = node.next[g] ??= { next: [] };
    }
    if (!node.list) {
      const groups = this.observed.groups;
      const list = new Array<ObservedGroup>(to - from);
      for (let k = from; k < to; k++) list[k - from] = groups[this.groupAt[k]!]!;
      node.list = list;
    }
    return node.list;
  }
}

/** Whether the ids are strings in strictly ascending code-unit order (so no id repeats). */
function inIdOrder(ids: readonly string[]): boolean {
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string' || (i > 0 && !(ids[i - 1]! < ids[i]!))) return false;
  }
  return true;
}

/**
 * The slots of `members` in `ids` (both strictly ascending), written to `out`: a merge
 * that gallops over the accounts a group skips. Members that are no account are left out.
 * Returns how many were found, or -1 as soon as the members turn out not to be strictly
 * ascending strings (the caller then looks them up one by one).
 */
function mergeSorted(ids: readonly string[], members: readonly string[], out: Int32Array): number {
  let at = 0;
  let n = 0;
  let previous: string | null = null;
  for (let j = 0; j < members.length; j++) {
    const m = members[j]!;
    if (typeof m !== 'string' || (previous !== null && !(previous < m))) return -1;
    previous = m;
    if (at < ids.length && ids[at] === m) {
      out[n++] = at++;
      continue;
    }
    at = lowerBound(ids, at, m);
    if (at < ids.length && ids[at] === m) out[n++] = at++;
  }
  return n;
}

/** The first position at or after `from` whose id is not below `m`: steps of 1, 2, 4, ... then a binary search. */
function lowerBound(ids: readonly string[], from: number, m: string): number {
  let lo = from;
  let hi = from;
  let step = 1;
  while (hi < ids.length && ids[hi]! < m) {
    lo = hi + 1;
    hi = from + step;
    step *= 2;
  }
  if (hi > ids.length) hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < m) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A trie of group lists by group position: the list at a node is the groups on the path to it. */
interface GroupListNode {
  readonly next: GroupListNode[];
  list?: readonly ObservedGroup[];
}

/** Shared by every account in no group. */
const NO_GROUPS: ObservedGroup[] = [];
/** Shared by every person with no account. */
const NO_ACCOUNTS: IndexedAccount[] = [];
