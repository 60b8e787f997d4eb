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
  readonly groups: ObservedGroup[];
  /** True when the login or an email is in a company domain. */
  readonly inCompanyDomain: boolean;
}

export interface IndexedProvider {
  readonly name: string;
  readonly type: ProviderType;
  readonly accounts: ReadonlyMap<string, IndexedAccount>;
  readonly groupsByName: ReadonlyMap<string, ObservedGroup>;
  readonly groupsById: ReadonlyMap<string, ObservedGroup>;
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  readonly activeAccounts: number;
}

/**
 * The snapshot indexed for planning: accounts by id, groups by name, member sets, and
 * every account matched to a person once. Built in one pass; O(accounts + memberships).
 */
export interface ObservedIndex {
  readonly providers: ReadonlyMap<string, IndexedProvider>;
  /** Accounts of each person (by lowercased primary email), across providers. */
  readonly accountsOfPerson: ReadonlyMap<string, IndexedAccount[]>;
}

export function personKey(p: Person): string {
  return p.email.toLowerCase();
}

export function indexObserved(
  snapshot: Snapshot,
  people: readonly Person[],
  domains: readonly string[],
  typeOf: (provider: string) => ProviderType | undefined,
): ObservedIndex {
  const matcher = buildAccountMatcher(people);
  const companyDomains = new Set(domains.map((d) => d.toLowerCase()));
  const providers = new Map<string, IndexedProvider>();
  const accountsOfPerson = new Map<string, IndexedAccount[]>();

  for (const name of Object.keys(snapshot.providers).sort()) {
    const observed = snapshot.providers[name]!;
    const type = typeOf(name);
    if (!type) continue; // not in Config: observed but not governed
    const groupsOf = new Map<string, ObservedGroup[]>();
    const groupsByName = new Map<string, ObservedGroup>();
    const groupsById = new Map<string, ObservedGroup>();
    const members = new Map<string, ReadonlySet<string>>();
    for (const g of observed.groups) {
      groupsByName.set(g.name, g);
      groupsById.set(g.id, g);
      members.set(g.id, new Set(g.members));
      for (const m of g.members) {
        const list = groupsOf.get(m);
        if (list) list.push(g);
        else groupsOf.set(m, [g]);
      }
    }
    const accounts = new Map<string, IndexedAccount>();
    let active = 0;
    for (const account of observed.accounts) {
      const m = matcher.match(account);
      const inCompanyDomain =
        companyDomains.size > 0 &&
        (companyDomains.has(emailDomain(account.login) ?? '') || (account.emails ?? []).some((e) => companyDomains.has(emailDomain(e) ?? '')));
      const indexed: IndexedAccount = {
        provider: name,
        account,
        person: m?.person ?? null,
        via: m?.via ?? null,
        groups: groupsOf.get(account.id) ?? [],
        inCompanyDomain,
      };
      accounts.set(account.id, indexed);
      if (account.status === 'active') active++;
      if (m) {
        const key = personKey(m.person);
        const list = accountsOfPerson.get(key);
        if (list) list.push(indexed);
        else accountsOfPerson.set(key, [indexed]);
      }
    }
    providers.set(name, { name, type, accounts, groupsByName, groupsById, members, activeAccounts: active });
  }
  return { providers, accountsOfPerson };
}
