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

/** A match by the person's position in the roster list the matcher was built from. */
export interface AccountMatchAt {
  readonly position: number;
  readonly via: MatchVia;
}

export interface AccountMatcher {
  match(account: AccountIdentity): AccountMatch | null;
  /** The same match, as a position in the roster list, for callers that keep per-person state in arrays. */
  matchAt(account: AccountIdentity): AccountMatchAt | null;
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
  const byEmployeeId = new Map<string, number>();
  const byEmail = new Map<string, number>();
  const byAlias = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, position: number): void => {
    const k = key.trim().toLowerCase();
    if (k !== '' && !map.has(k)) map.set(k, position);
  };
  people.forEach((p, position) => {
    add(byEmployeeId, p.employeeId, position);
    add(byEmail, p.email, position);
    for (const a of p.aliases) add(byAlias, a, position);
  });

  function lookup(map: Map<string, number>, account: AccountIdentity): number | undefined {
    const found = map.get(account.login.toLowerCase());
    if (found !== undefined || !account.emails) return found;
    for (const e of account.emails) {
      const position = map.get(e.toLowerCase());
      if (position !== undefined) return position;
    }
    return undefined;
  }

  function matchAt(account: AccountIdentity): AccountMatchAt | null {
    if (account.externalId) {
      const position = byEmployeeId.get(account.externalId.toLowerCase());
      if (position !== undefined) return { position, via: 'employee_id' };
    }
    const primary = lookup(byEmail, account);
    if (primary !== undefined) return { position: primary, via: 'email' };
    const alias = lookup(byAlias, account);
    if (alias !== undefined) return { position: alias, via: 'alias' };
    return null;
  }

  return {
    match(account) {
      const m = matchAt(account);
      return m ? { person: people[m.position]!, via: m.via } : null;
    },
    matchAt,
  };
}
