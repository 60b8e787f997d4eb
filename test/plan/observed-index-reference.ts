import type { IndexedAccount, ObservedIndex } from '../../src/plan/observed-index.js';
import { buildAccountMatcher, emailDomain } from '../../src/roster/match.js';
import type { Person } from '../../src/roster/model.js';
import type { ObservedGroup, ProviderType, Snapshot } from '../../src/types/index.js';

/**
 * The observed index by its definition, one map lookup at a time: what indexObserved must
 * answer, question for question. Every account is matched to a person; an account's
 * groups are the groups listing its id, in snapshot order, once per listing; where an id
 * repeats, the last account with it is the one the id names (and holds the memberships);
 * a group name or id that repeats names the last such group.
 */
export function referenceIndex(
  snapshot: Snapshot,
  people: readonly Person[],
  domains: readonly string[],
  typeOf: (provider: string) => ProviderType | undefined,
): ObservedIndex {
  const matcher = buildAccountMatcher(people);
  const company = domains.map((d) => d.toLowerCase());
  const providers = Object.keys(snapshot.providers)
    .filter((name) => typeOf(name) !== undefined)
    .sort();
  const byPerson = people.map((): IndexedAccount[] => []);
  const byId = new Map<string, Map<string, IndexedAccount>>();
  const unmatched = new Map<string, IndexedAccount[]>();
  const groupsByName = new Map<string, Map<string, ObservedGroup>>();
  const groupsById = new Map<string, Map<string, ObservedGroup>>();
  const active = new Map<string, number>();

  for (const name of providers) {
    const { accounts, groups } = snapshot.providers[name]!;
    const lastWithId = new Map(accounts.map((a, slot) => [a.id, slot]));
    const ids = new Map<string, IndexedAccount>();
    const mine: IndexedAccount[] = [];
    accounts.forEach((account, slot) => {
      const match = matcher.matchAt(account);
      const seen = account.lastLoginAt ?? account.createdAt;
      const ms = seen ? Date.parse(seen) : Number.NaN;
      const indexed: IndexedAccount = {
        provider: name,
        account,
        status: account.status,
        person: match ? people[match.position]! : null,
        personAt: match ? match.position : -1,
        via: match ? match.via : null,
        groups: lastWithId.get(account.id) === slot ? groups.flatMap((g) => g.members.filter((id) => id === account.id).map(() => g)) : [],
        inCompanyDomain: !match && [account.login, ...(account.emails ?? [])].some((e) => company.includes(emailDomain(e) ?? '')),
        lastActivityMs: Number.isNaN(ms) ? null : ms,
      };
      ids.set(account.id, indexed);
      if (match) byPerson[match.position]!.push(indexed);
      else mine.push(indexed);
    });
    byId.set(name, ids);
    unmatched.set(name, mine);
    groupsByName.set(name, new Map(groups.map((g) => [g.name, g])));
    groupsById.set(name, new Map(groups.map((g) => [g.id, g])));
    active.set(name, accounts.filter((a) => a.status === 'active').length);
  }

  return {
    providers,
    accountsOf: (position) => byPerson[position] ?? [],
    account: (provider, id) => byId.get(provider)?.get(id),
    unmatchedAccounts: (provider) => unmatched.get(provider) ?? [],
    groupByName: (provider, name) => groupsByName.get(provider)?.get(name),
    groupById: (provider, id) => groupsById.get(provider)?.get(id),
    activeAccounts: (provider) => active.get(provider) ?? 0,
  };
}
