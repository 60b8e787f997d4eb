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
 * The roster's identifiers, trimmed and lowercased, each mapped to the position (in
 * `people`) of the person who claims it. The roster loader builds this while it checks
 * that identity is unambiguous, so a loaded roster brings it along; `rosterIdentities`
 * builds it for any other list of people.
 */
export interface RosterIdentities {
  /** The list the positions index. */
  readonly people: readonly Person[];
  /**
   * Employee id → position, keyed lowercased and also as written (trimmed), so that an
   * account carrying the id as HR wrote it (the usual case) is matched without a lowercased
   * copy. An id as written is listed only for the person its lowercased form names.
   */
  readonly byEmployeeId: ReadonlyMap<string, number>;
  /**
   * Primary email or alias (aliases include previous emails) → `position * 2`, plus 1 when
   * the address is an alias. One map for both, so an account's address costs one lookup
   * however it matches.
   */
  readonly byAddress: ReadonlyMap<string, number>;
}

/**
 * The identity index of a list of people. Where two people claim one identifier (the
 * roster loader refuses that), a primary email beats an alias, and otherwise the earlier
 * row wins: rows are added last first, aliases before primary emails, so the write that
 * stays is the winning one, with one hash operation per key.
 */
export function rosterIdentities(people: readonly Person[]): RosterIdentities {
  const byEmployeeId = new Map<string, number>();
  const byAddress = new Map<string, number>();
  const add = (map: Map<string, number>, lowered: string, value: number): void => {
    const k = lowered.trim();
    if (k !== '') map.set(k, value);
  };
  for (let position = people.length - 1; position >= 0; position--) {
    const p = people[position]!;
    add(byEmployeeId, p.lower.employeeId, position);
    for (const a of p.aliases) add(byAddress, a.toLowerCase(), position * 2 + 1);
  }
  for (let position = people.length - 1; position >= 0; position--) add(byAddress, people[position]!.key, position * 2);
  people.forEach((p, position) => {
    const written = p.employeeId.trim();
    if (written !== p.lower.employeeId.trim() && byEmployeeId.get(p.lower.employeeId.trim()) === position) byEmployeeId.set(written, position);
  });
  return { people, byEmployeeId, byAddress };
}

/**
 * Ties accounts to people, case-insensitively: employee id (externalId) first, then the
 * login or any account email against primary emails, then against aliases and previous
 * emails. Constant time per account: one hash lookup per identifier. Takes the people,
 * or the identity index a loaded roster brings (which saves building it again).
 */
export function buildAccountMatcher(from: readonly Person[] | RosterIdentities): AccountMatcher {
  const { people, byEmployeeId, byAddress } = isIdentities(from) ? from : rosterIdentities(from);

  function matchAt(account: AccountIdentity): AccountMatchAt | null {
    if (account.externalId) {
      const position = byEmployeeId.get(account.externalId) ?? byEmployeeId.get(account.externalId.toLowerCase());
      if (position !== undefined) return { position, via: 'employee_id' };
    }
    // A primary email anywhere beats an alias; among aliases the login comes first, then
    // the emails in order.
    let alias = -1;
    const claim = byAddress.get(account.login.toLowerCase());
    if (claim !== undefined) {
      if ((claim & 1) === 0) return { position: claim >> 1, via: 'email' };
      alias = claim >> 1;
    }
    if (account.emails) {
      for (const e of account.emails) {
        const c = byAddress.get(e.toLowerCase());
        if (c === undefined) continue;
        if ((c & 1) === 0) return { position: c >> 1, via: 'email' };
        if (alias < 0) alias = c >> 1;
      }
    }
    return alias < 0 ? null : { position: alias, via: 'alias' };
  }

  return {
    match(account) {
      const m = matchAt(account);
      return m ? { person: people[m.position]!, via: m.via } : null;
    },
    matchAt,
  };
}

function isIdentities(from: readonly Person[] | RosterIdentities): from is RosterIdentities {
  return !Array.isArray(from);
}
