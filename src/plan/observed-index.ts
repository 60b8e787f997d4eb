import type { ObservedAccount, ObservedGroup, ProviderType, Snapshot } from '../types/index.js';
import type { Person } from '../roster/model.js';
import { buildAccountMatcher, emailDomain } from '../roster/match.js';

export type MatchVia = 'employee_id' | 'email' | 'alias';

/** An observed account with the person it belongs to (if any). */
export interface IndexedAccount {
  readonly provider: string;
  readonly account: ObservedAccount;
  readonly person: Person | null;
  readonly via: MatchVia | null;
  /** Groups the account is a member of, in snapshot order. */
  readonly groups: readonly ObservedGroup[];
  /** True when the login or an email is in a company domain (computed for unmatched accounts only). */
  readonly inCompanyDomain: boolean;
  /** Last sign-in (or creation, for an account never signed in to) in epoch ms; null when unknown. */
  readonly lastActivityMs: number | null;
}

export interface IndexedProvider {
  readonly name: string;
  readonly type: ProviderType;
  readonly accounts: ReadonlyMap<string, IndexedAccount>;
  readonly groupsByName: ReadonlyMap<string, ObservedGroup>;
  readonly groupsById: ReadonlyMap<string, ObservedGroup>;
  /** Accounts of each person in this provider, by person key. */
  readonly accountsOfPerson: ReadonlyMap<string, readonly IndexedAccount[]>;
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
  /** Accounts of a person (by person key) across providers, in provider name order. */
  accountsOf(personKey: string): IndexedAccount[];
}


export function indexObserved(
  snapshot: Snapshot,
  people: readonly Person[],
  domains: readonly string[],
  typeOf: (provider: string) => ProviderType | undefined,
): ObservedIndex {
  const matcher = buildAccountMatcher(people);
  const companyDomains = new Set(domains.map((d) => d.toLowerCase()));
  const inCompany = (account: ObservedAccount): boolean => {
    if (companyDomains.size === 0) return false;
    if (companyDomains.has(emailDomain(account.login) ?? '')) return true;
    for (const e of account.emails ?? []) if (companyDomains.has(emailDomain(e) ?? '')) return true;
    return false;
  };
  const providers = new Map<string, IndexedProvider>();

  for (const name of Object.keys(snapshot.providers).sort()) {
    const observed = snapshot.providers[name]!;
    const type = typeOf(name);
    if (!type) continue; // not in Config: observed but not governed
    const groupsByName = new Map<string, ObservedGroup>();
    const groupsById = new Map<string, ObservedGroup>();
    const accounts = new Map<string, Omit<IndexedAccount, 'groups'> & { groups: ObservedGroup[] }>();
    const byPerson = new Map<string, IndexedAccount[]>();
    let active = 0;
    for (const account of observed.accounts) {
      const m = matcher.match(account);
      const seen = account.lastLoginAt ?? account.createdAt ?? null;
      const ms = seen ? Date.parse(seen) : Number.NaN;
      const indexed = {
        provider: name,
        account,
        person: m ? m.person : null,
        via: m ? m.via : null,
        groups: NO_GROUPS,
        inCompanyDomain: m ? false : inCompany(account),
        lastActivityMs: Number.isNaN(ms) ? null : ms,
      };
      accounts.set(account.id, indexed);
      if (account.status === 'active') active++;
      if (m) push(byPerson, m.person.key, indexed);
    }
    for (const g of observed.groups) {
      groupsByName.set(g.name, g);
      groupsById.set(g.id, g);
      for (const m of g.members) {
        const acct = accounts.get(m);
        if (!acct) continue;
        if (acct.groups === NO_GROUPS) acct.groups = [g];
        else acct.groups.push(g);
      }
    }
    providers.set(name, { name, type, accounts, groupsByName, groupsById, accountsOfPerson: byPerson, activeAccounts: active });
  }
  const list = [...providers.values()];
  return {
    providers,
    accountsOf: (key) => {
      const out: IndexedAccount[] = [];
      for (const p of list) {
        const mine = p.accountsOfPerson.get(key);
        if (mine) out.push(...mine);
      }
      return out;
    },
  };
}

/** Shared by every account in no group; replaced by a fresh array on the first membership. */
const NO_GROUPS: ObservedGroup[] = [];

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
