import type { Person } from './model.js';

/** The identifiers a provider shows for an account. */
export interface AccountIdentity {
  readonly login: string;
  readonly emails?: readonly string[] | undefined;
  /** The employee id, where the provider stores one. */
  readonly externalId?: string | null | undefined;
}

/** How an account was tied to a person; `alias` covers aliases and previous emails. */
export type MatchVia = 'employee_id' | 'email' | 'alias';

export interface AccountMatch {
  readonly person: Person;
  readonly via: MatchVia;
}

export interface AccountMatcher {
  match(account: AccountIdentity): AccountMatch | null;
}

/** The domain of an email address, lowercased; null when `s` is not an address. */
export function emailDomain(s: string): string | null {
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  return s.slice(at + 1).toLowerCase();
}

/**
 * Ties accounts to people, case-insensitively: employee id (externalId) first, then the
 * login or any account email against primary emails, then against aliases and previous
 * emails. Constant time per account: three hash lookups per identifier. When two people
 * claim one identifier (the roster loader refuses that), the earlier row wins.
 */
export function buildAccountMatcher(people: readonly Person[]): AccountMatcher {
  const byEmployeeId = new Map<string, Person>();
  const byEmail = new Map<string, Person>();
  const byAlias = new Map<string, Person>();
  const add = (map: Map<string, Person>, key: string, p: Person): void => {
    const k = key.trim().toLowerCase();
    if (k !== '' && !map.has(k)) map.set(k, p);
  };
  for (const p of people) {
    add(byEmployeeId, p.employeeId, p);
    add(byEmail, p.email, p);
    for (const a of p.aliases) add(byAlias, a, p);
  }

  function lookup(map: Map<string, Person>, account: AccountIdentity): Person | undefined {
    const found = map.get(account.login.toLowerCase());
    if (found || !account.emails) return found;
    for (const e of account.emails) {
      const p = map.get(e.toLowerCase());
      if (p) return p;
    }
    return undefined;
  }

  return {
    match(account) {
      if (account.externalId) {
        const p = byEmployeeId.get(account.externalId.toLowerCase());
        if (p) return { person: p, via: 'employee_id' };
      }
      const primary = lookup(byEmail, account);
      if (primary) return { person: primary, via: 'email' };
      const alias = lookup(byAlias, account);
      if (alias) return { person: alias, via: 'alias' };
      return null;
    },
  };
}
