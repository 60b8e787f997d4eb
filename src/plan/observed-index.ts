import type { ObservedAccount, ObservedGroup, ProviderType, Snapshot } from '../types/index.js';
import type { Person } from '../roster/model.js';
import { buildAccountMatcher, emailDomain } from '../roster/match.js';
import { parseObservedInstant } from './instant.js';

export type MatchVia = 'employee_id' | 'email' | 'alias';

/** An observed account with the person it belongs to (if any). */
export interface IndexedAccount {
  readonly provider: string;
  readonly account: ObservedAccount;
  readonly person: Person | null;
  /** The person's position in the roster list (the index into per-person arrays); -1 when unmatched. */
  readonly personAt: number;
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
  const accountsByPerson = new Array<IndexedAccount[]>(people.length).fill(NO_ACCOUNTS);

  for (const name of Object.keys(snapshot.providers).sort()) {
    const observed = snapshot.providers[name]!;
    const type = typeOf(name);
    if (!type) continue; // not in Config: observed but not governed
    const groupsByName = new Map<string, ObservedGroup>();
    const groupsById = new Map<string, ObservedGroup>();
    const accounts = new Map<string, Omit<IndexedAccount, 'groups'> & { groups: ObservedGroup[] }>();
    const unmatched: IndexedAccount[] = [];
    let active = 0;
    for (const account of observed.accounts) {
      const m = matcher.matchAt(account);
      const seen = account.lastLoginAt ?? account.createdAt ?? null;
      const ms = seen ? parseObservedInstant(seen) : Number.NaN;
      const indexed = {
        provider: name,
        account,
        person: m ? people[m.position]! : null,
        personAt: m ? m.position : -1,
        via: m ? m.via : null,
        groups: NO_GROUPS,
        inCompanyDomain: m ? false : inCompany(account),
        lastActivityMs: Number.isNaN(ms) ? null : ms,
      };
      accounts.set(account.id, indexed);
      if (account.status === 'active') active++;
      if (m) {
        const mine = accountsByPerson[m.position]!;
        if (mine === NO_ACCOUNTS) accountsByPerson[m.position] = [indexed];
        else mine.push(indexed);
      } else {
        unmatched.push(indexed);
      }
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
    providers.set(name, { name, type, accounts, groupsByName, groupsById, unmatchedAccounts: unmatched, activeAccounts: active });
  }
  return { providers, accountsByPerson };
}

/** Shared by every account in no group; replaced by a fresh array on the first membership. */
const NO_GROUPS: ObservedGroup[] = [];
/** Shared by every person with no account; replaced by a fresh array on the first. */
const NO_ACCOUNTS: IndexedAccount[] = [];
