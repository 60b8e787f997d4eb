import type { ObservedAccount, ObservedGroup, ObservedProvider, ProviderType, Snapshot } from '../types/index.js';
import type { Person } from '../roster/model.js';
import { buildAccountMatcher, emailDomain, type AccountMatcher, type MatchVia, type RosterIdentities } from '../roster/match.js';
import { parseObservedInstant } from './instant.js';

export type { MatchVia };

/** An observed account with the person it belongs to (if any). Plain data; never changed once indexed. */
export interface IndexedAccount {
  readonly provider: string;
  readonly account: ObservedAccount;
  /** The account's status (as `account.status`). */
  readonly status: ObservedAccount['status'];
  readonly person: Person | null;
  /** The person's position in the roster list; -1 when unmatched. */
  readonly personAt: number;
  readonly via: MatchVia | null;
  /** The groups listing the account, in snapshot order (a group listing it twice, twice). */
  readonly groups: readonly ObservedGroup[];
  /** True when the login or an email is in a company domain (computed for unmatched accounts only). */
  readonly inCompanyDomain: boolean;
  /** Last sign-in (or creation, for an account never signed in to) in epoch ms; null when unknown. */
  readonly lastActivityMs: number | null;
}

/**
 * What planning (and the guard) asks of the observed state. Only governed providers
 * (observed and named in Config) are indexed; asked about any other, the index knows no
 * accounts and no groups. Where an account id repeats in a provider, the last account
 * with it is the one the id names and the one group listings of it belong to; where a
 * group name or id repeats, the last such group is the one it names.
 * `test/plan/observed-index-reference.ts` is the plain definition this must agree with.
 */
export interface ObservedIndex {
  /** The governed providers, in name order. */
  readonly providers: readonly string[];
  /** The accounts of the person at `position` in the roster list, across providers: in provider name order, then snapshot order. */
  accountsOf(position: number): readonly IndexedAccount[];
  account(provider: string, id: string): IndexedAccount | undefined;
  /** A provider's accounts that match no person, in snapshot order. */
  unmatchedAccounts(provider: string): readonly IndexedAccount[];
  groupByName(provider: string, name: string): ObservedGroup | undefined;
  groupById(provider: string, id: string): ObservedGroup | undefined;
  /** How many of a provider's accounts are active. */
  activeAccounts(provider: string): number;
}

/**
 * The snapshot indexed for planning, every account matched to a person once; O(accounts +
 * memberships). Takes the loaded roster's identity index when it is for these people
 * (which saves building it again).
 *
 * Built for half a million accounts, where what planning costs is mostly the memory it
 * touches: accounts are made person by person (planning visits them so, and neighbours in
 * the visit are then neighbours in memory), and accounts in the same groups share one
 * group list. All of that stays in this file; what leaves it is plain data.
 */
export function indexObserved(
  snapshot: Snapshot,
  people: readonly Person[],
  domains: readonly string[],
  typeOf: (provider: string) => ProviderType | undefined,
  identities?: RosterIdentities,
): ObservedIndex {
  const matcher = buildAccountMatcher(identities?.people === people ? identities : people);
  const companyDomains = new Set(domains.map((d) => d.toLowerCase()));
  const inCompany = (account: ObservedAccount): boolean => {
    if (companyDomains.size === 0) return false;
    if (companyDomains.has(emailDomain(account.login) ?? '')) return true;
    for (const e of account.emails ?? []) if (companyDomains.has(emailDomain(e) ?? '')) return true;
    return false;
  };
  const tables = new Map<string, ProviderTable>();
  for (const name of Object.keys(snapshot.providers).sort()) {
    if (typeOf(name) !== undefined) tables.set(name, new ProviderTable(name, snapshot.providers[name]!, matcher));
  }

  // How many accounts each person has.
  const owned = new Int32Array(people.length);
  for (const table of tables.values()) {
    for (const position of table.owner) if (position >= 0) owned[position]!++;
  }

  // Each person's accounts in provider name order then snapshot order, as (table, slot)
  // pairs: a counting sort by person.
  const starts = new Int32Array(people.length + 1);
  for (let p = 0; p < people.length; p++) starts[p + 1] = starts[p]! + owned[p]!;
  const pairTable = new Array<ProviderTable>(starts[people.length]!);
  const pairSlot = new Int32Array(starts[people.length]!);
  const next = starts.slice(0, people.length);
  for (const table of tables.values()) {
    const owner = table.owner;
    for (let slot = 0; slot < owner.length; slot++) {
      const position = owner[slot]!;
      if (position < 0) continue;
      const at = next[position]!++;
      pairTable[at] = table;
      pairSlot[at] = slot;
    }
  }

  // The indexed accounts, person by person, then each provider's unmatched ones.
  const accountsByPerson = new Array<readonly IndexedAccount[]>(people.length);
  for (let p = 0; p < people.length; p++) {
    const from = starts[p]!;
    const to = starts[p + 1]!;
    if (from === to) {
      accountsByPerson[p] = NO_ACCOUNTS;
      continue;
    }
    const mine = new Array<IndexedAccount>(to - from);
    for (let k = from; k < to; k++) mine[k - from] = pairTable[k]!.make(pairSlot[k]!, people[p]!, false);
    accountsByPerson[p] = mine;
  }
  for (const table of tables.values()) {
    for (let slot = 0; slot < table.owner.length; slot++) {
      if (table.owner[slot]! < 0) table.unmatched.push(table.make(slot, null, inCompany(table.observed.accounts[slot]!)));
    }
  }

  return {
    providers: [...tables.keys()],
    accountsOf: (position) => accountsByPerson[position] ?? NO_ACCOUNTS,
    account: (provider, id) => tables.get(provider)?.account(id),
    unmatchedAccounts: (provider) => tables.get(provider)?.unmatched ?? NO_ACCOUNTS,
    groupByName: (provider, name) => tables.get(provider)?.groupsByName.get(name),
    groupById: (provider, id) => tables.get(provider)?.groupsById.get(id),
    activeAccounts: (provider) => tables.get(provider)?.active ?? 0,
  };
}

/**
 * One governed provider's accounts by slot (their position in the snapshot's list), with
 * each slot's owner and groups, and the indexed account made for it. Every account is
 * read once, in snapshot order, when the table is made; the indexed accounts are made
 * later, person by person, from what was kept here, so that making them does not go back
 * to the accounts in an order that jumps around memory.
 */
class ProviderTable {
  readonly ids: string[];
  /** Per slot: the owner's position in the roster list, or -1. */
  readonly owner: Int32Array;
  readonly via: Array<MatchVia | null>;
  readonly status: Array<ObservedAccount['status']>;
  /** Per slot: last sign-in (or creation) in epoch ms; NaN when unknown. */
  readonly activity: Float64Array;
  readonly active: number;
  readonly records: IndexedAccount[];
  readonly unmatched: IndexedAccount[] = [];
  readonly groupsByName = new Map<string, ObservedGroup>();
  readonly groupsById = new Map<string, ObservedGroup>();
  /** Per slot, its groups' positions in `observed.groups` (see `memberships`). */
  private readonly groupsAt: Memberships;
  private readonly lists: GroupListNode = { next: [] };
  /** Slot per account id (the last slot, should an id repeat); made when first needed. */
  private slots: Map<string, number> | null = null;

  constructor(
    readonly name: string,
    readonly observed: ObservedProvider,
    matcher: AccountMatcher,
  ) {
    const accounts = observed.accounts;
    const n = accounts.length;
    this.ids = new Array<string>(n);
    this.owner = new Int32Array(n);
    this.via = new Array<MatchVia | null>(n);
    this.status = new Array<ObservedAccount['status']>(n);
    this.activity = new Float64Array(n);
    this.records = new Array<IndexedAccount>(n);
    let active = 0;
    for (let slot = 0; slot < n; slot++) {
      const account = accounts[slot]!;
      const match = matcher.matchAt(account);
      this.ids[slot] = account.id;
      this.owner[slot] = match ? match.position : -1;
      this.via[slot] = match ? match.via : null;
      this.status[slot] = account.status;
      if (account.status === 'active') active++;
      const seen = account.lastLoginAt ?? account.createdAt;
      this.activity[slot] = seen ? parseObservedInstant(seen) : Number.NaN;
    }
    this.active = active;
    for (const g of observed.groups) {
      this.groupsByName.set(g.name, g);
      this.groupsById.set(g.id, g);
    }
    this.groupsAt = memberships(this.ids, observed.groups, () => this.slotMap());
  }

  account(id: string): IndexedAccount | undefined {
    const slot = this.slotMap().get(id);
    return slot === undefined ? undefined : this.records[slot];
  }

  make(slot: number, person: Person | null, inCompanyDomain: boolean): IndexedAccount {
    const ms = this.activity[slot]!;
    const indexed: IndexedAccount = {
      provider: this.name,
      account: this.observed.accounts[slot]!,
      status: this.status[slot]!,
      person,
      personAt: this.owner[slot]!,
      via: this.via[slot]!,
      groups: this.groupsOf(slot),
      inCompanyDomain,
      lastActivityMs: Number.isNaN(ms) ? null : ms,
    };
    this.records[slot] = indexed;
    return indexed;
  }

  private slotMap(): Map<string, number> {
    if (!this.slots) {
      this.slots = new Map();
      for (let slot = 0; slot < this.ids.length; slot++) this.slots.set(this.ids[slot]!, slot);
    }
    return this.slots;
  }

  /**
   * The groups of a slot. Accounts in the same groups share one list (a trie by group
   * position): a provider has a few hundred combinations of groups against a hundred
   * thousand accounts, and shared lists stay in cache.
   */
  private groupsOf(slot: number): readonly ObservedGroup[] {
    const { starts, groupAt } = this.groupsAt;
    const from = starts[slot]!;
    const to = starts[slot + 1]!;
    if (from === to) return NO_GROUPS;
    let node = this.lists;
    for (let k = from; k < to; k++) node = node.next[groupAt[k]!] ??= { next: [] };
    return (node.list ??= Array.from(groupAt.subarray(from, to), (g) => this.observed.groups[g]!));
  }
}

/** Memberships by slot: the groups of slot i are groupAt[starts[i]] up to starts[i + 1], as positions in the provider's groups, ascending. */
interface Memberships {
  readonly starts: Int32Array;
  readonly groupAt: Int32Array;
}

/**
 * Every group's members resolved to slots (members that are not accounts, such as nested
 * groups, belong to no slot), then turned around into each slot's groups. When the
 * accounts and a group's members are both in id order, as `lockstep observe` writes them
 * (see inCanonicalOrder), the two lists are merged; otherwise each member is looked up by
 * id. Both give the same slots.
 */
function memberships(ids: readonly string[], groups: readonly ObservedGroup[], slotMap: () => Map<string, number>): Memberships {
  const idsInOrder = inIdOrder(ids);
  const counts = new Int32Array(ids.length);
  const members = groups.map((group) => {
    const slots = new Int32Array(group.members.length);
    let n = idsInOrder ? mergeSorted(ids, group.members, slots) : -1;
    if (n < 0) {
      const slotOf = slotMap();
      n = 0;
      for (const id of group.members) {
        const slot = slotOf.get(id);
        if (slot !== undefined) slots[n++] = slot;
      }
    }
    for (let k = 0; k < n; k++) counts[slots[k]!]!++;
    return slots.subarray(0, n);
  });
  const starts = new Int32Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) starts[i + 1] = starts[i]! + counts[i]!;
  const next = starts.slice(0, ids.length);
  const groupAt = new Int32Array(starts[ids.length]!);
  members.forEach((slots, g) => {
    for (const slot of slots) groupAt[next[slot]!++] = g;
  });
  return { starts, groupAt };
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
  for (const m of members) {
    if (typeof m !== 'string' || (previous !== null && !(previous < m))) return -1;
    previous = m;
    if (at < ids.length && ids[at] !== m) at = lowerBound(ids, at, m);
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
const NO_GROUPS: readonly ObservedGroup[] = [];
/** Shared by every person with no account. */
const NO_ACCOUNTS: readonly IndexedAccount[] = [];
