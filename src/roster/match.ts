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
  /**
   * The same match packed in one number, for the planner's index of half a million
   * accounts (no object per account): `position * 4 + via` with via 1 employee_id,
   * 2 email, 3 alias; -1 when the account matches nobody. Unpack with `matchPosition` and
   * `matchVia`.
   */
  matchCode(account: AccountIdentity): number;
}

const VIA_CODES: ReadonlyArray<MatchVia | null> = [null, 'employee_id', 'email', 'alias'];

/** The roster position in a `matchCode`; -1 for no match. */
export const matchPosition = (code: number): number => (code < 0 ? -1 : code >> 2);
/** How a `matchCode` matched; null for no match. */
export const matchVia = (code: number): MatchVia | null => (code < 0 ? null : VIA_CODES[code & 3]!);

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
  // Keys are trimmed and lowercased (the roster's own lowercased forms where it keeps
  // them). People are added last row first, so that where two claim a key the earlier
  // row's write is the one that stays, with one hash operation per key.
  const add = (map: Map<string, number>, lowered: string, position: number): void => {
    const k = lowered.trim();
    if (k !== '') map.set(k, position);
  };
  for (let position = people.length - 1; position >= 0; position--) {
    const p = people[position]!;
    add(byEmployeeId, p.lower.employeeId, position);
    add(byEmail, p.key, position);
    for (const a of p.aliases) add(byAlias, a.toLowerCase(), position);
  }

  function lookup(map: Map<string, number>, account: AccountIdentity): number | undefined {
    const found = map.get(account.login.toLowerCase());
    if (found !== undefined || !account.emails) return found;
    for (const e of account.emails) {
      const position = map.get(e.toLowerCase());
      if (position !== undefined) return position;
    }
    return undefined;
  }

  function matchCode(account: AccountIdentity): number {
    if (account.externalId) {
      const position = byEmployeeId.get(account.externalId.toLowerCase());
      if (position !== undefined) return position * 4 + 1;
    }
    const primary = lookup(byEmail, account);
    if (primary !== undefined) return primary * 4 + 2;
    const alias = lookup(byAlias, account);
    if (alias !== undefined) return alias * 4 + 3;
    return -1;
  }

  function matchAt(account: AccountIdentity): AccountMatchAt | null {
    const code = matchCode(account);
    return code < 0 ? null : { position: matchPosition(code), via: matchVia(code)! };
  }

  return {
    match(account) {
      const m = matchAt(account);
      return m ? { person: people[m.position]!, via: m.via } : null;
    },
    matchAt,
    matchCode,
  };
}
