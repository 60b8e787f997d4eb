import { describe, expect, it } from 'vitest';
import type { Person } from '../../src/roster/model.js';
import { rosterPerson } from '../support/person.js';
import { buildAccountMatcher, emailDomain, rosterIdentities } from '../../src/roster/match.js';

function person(employeeId: string, email: string, aliases: string[] = []): Person {
  return rosterPerson({ employeeId, email, aliases });
}

const alice = person('E100', 'Alice@Acme.com', ['alice.smith@acme.com', 'asmith@OLDCO.com']);
const bob = person('e200', 'bob@acme.com');
const matcher = buildAccountMatcher([alice, bob]);

describe('buildAccountMatcher', () => {
  it('matches the employee id first', () => {
    expect(matcher.match({ login: 'bob@acme.com', externalId: 'E100' })).toEqual({ person: alice, via: 'employee_id' });
    expect(matcher.match({ login: 'x', externalId: 'E200' })).toEqual({ person: bob, via: 'employee_id' });
  });

  it('matches the login or any account email to a primary email, case-insensitively', () => {
    expect(matcher.match({ login: 'ALICE@acme.COM' })).toEqual({ person: alice, via: 'email' });
    expect(matcher.match({ login: 'u-123', emails: ['other@x.com', 'Bob@Acme.com'] })).toEqual({ person: bob, via: 'email' });
  });

  it('prefers a primary email over an alias', () => {
    expect(matcher.match({ login: 'alice.smith@acme.com', emails: ['bob@acme.com'] })).toEqual({ person: bob, via: 'email' });
  });

  it('matches aliases and previous emails', () => {
    expect(matcher.match({ login: 'asmith@oldco.com' })).toEqual({ person: alice, via: 'alias' });
    expect(matcher.match({ login: 'svc', emails: ['Alice.Smith@acme.com'], externalId: null })).toEqual({ person: alice, via: 'alias' });
  });

  it('falls through an unknown employee id to the emails', () => {
    expect(matcher.match({ login: 'bob@acme.com', externalId: 'E999' })).toEqual({ person: bob, via: 'email' });
  });

  it('gives a key two rows claim (which the roster loader refuses) to the earlier row, ignoring case and spaces', () => {
    const first = person(' E300 ', 'Carol@acme.com', ['c@acme.com']);
    const second = person('e300', 'carol@ACME.com ', ['C@acme.com']);
    const m = buildAccountMatcher([first, second]);
    expect(m.match({ login: 'x', externalId: 'E300' })).toEqual({ person: first, via: 'employee_id' });
    expect(m.match({ login: 'carol@acme.com' })).toEqual({ person: first, via: 'email' });
    expect(m.match({ login: 'c@acme.com' })).toEqual({ person: first, via: 'alias' });
    expect(m.matchAt({ login: 'c@acme.com' })).toEqual({ position: 0, via: 'alias' });
    expect(m.matchAt({ login: 'nobody@acme.com' })).toBeNull();
    // The id as a later row writes it does not win over the earlier row's claim either.
    const lower = person('e400', 'dan@acme.com');
    const upper = person('E400', 'dan2@acme.com');
    expect(buildAccountMatcher([lower, upper]).match({ login: 'x', externalId: 'E400' })).toEqual({ person: lower, via: 'employee_id' });
    expect(buildAccountMatcher([upper, lower]).match({ login: 'x', externalId: 'e400' })).toEqual({ person: upper, via: 'employee_id' });
  });

  it('gives an address one row has as primary email and an earlier row as alias to the primary', () => {
    const earlier = person('E1', 'dee@acme.com', ['shared@acme.com']);
    const later = person('E2', 'Shared@acme.com');
    const m = buildAccountMatcher([earlier, later]);
    expect(m.match({ login: 'shared@acme.com' })).toEqual({ person: later, via: 'email' });
    expect(m.match({ login: 'x', emails: ['nope@acme.com', 'SHARED@acme.com'] })).toEqual({ person: later, via: 'email' });
  });

  it('takes the first alias among login then emails, unless any of them is a primary email', () => {
    const a = person('E1', 'a@acme.com', ['a.old@acme.com']);
    const b = person('E2', 'b@acme.com', ['b.old@acme.com']);
    const m = buildAccountMatcher([a, b]);
    expect(m.match({ login: 'b.old@acme.com', emails: ['a.old@acme.com'] })).toEqual({ person: b, via: 'alias' });
    expect(m.match({ login: 'x', emails: ['a.old@acme.com', 'b.old@acme.com'] })).toEqual({ person: a, via: 'alias' });
    expect(m.match({ login: 'b.old@acme.com', emails: ['a.old@acme.com', 'A@acme.com'] })).toEqual({ person: a, via: 'email' });
  });

  it('matches the same with an identity index as with the people it indexes', () => {
    const people = [alice, bob, person('E300', 'carol@acme.com', ['BOB@acme.com'])];
    const fromPeople = buildAccountMatcher(people);
    const fromIndex = buildAccountMatcher(rosterIdentities(people));
    const accounts = [
      { login: 'bob@acme.com' },
      { login: 'x', externalId: 'e300' },
      { login: 'asmith@oldco.com' },
      { login: 'nobody@acme.com', emails: ['alice.smith@acme.com'] },
      { login: 'nobody@acme.com' },
    ];
    expect(accounts.map((a) => fromIndex.matchAt(a))).toEqual(accounts.map((a) => fromPeople.matchAt(a)));
    expect(accounts.map((a) => fromIndex.matchAt(a))).toEqual([
      { position: 1, via: 'email' },
      { position: 2, via: 'employee_id' },
      { position: 0, via: 'alias' },
      { position: 0, via: 'alias' },
      null,
    ]);
  });

  it('returns null for an account nobody in the roster owns', () => {
    expect(matcher.match({ login: 'mallory@acme.com', emails: [], externalId: '' })).toBeNull();
  });

  it('matches half a million accounts against 100,000 people', () => {
    // How fast is measured by the planning benchmark (npm run bench), not here.
    const people = Array.from({ length: 100_000 }, (_, i) => person(`E${i}`, `user${i}@acme.com`, [`u${i}@old.acme.com`]));
    const accounts = Array.from({ length: 500_000 }, (_, i) => ({ login: `U${i % 125_000}@OLD.acme.com` }));
    const big = buildAccountMatcher(people);
    const matches = accounts.map((a) => big.matchAt(a));
    expect(matches.filter((m) => m !== null)).toHaveLength(400_000);
    expect(matches.slice(99_999, 100_001)).toEqual([{ position: 99_999, via: 'alias' }, null]);
    expect(big.match(accounts[223_456]!)).toEqual({ person: people[98_456]!, via: 'alias' });
  });
});

describe('emailDomain', () => {
  it('returns the lowercased domain after the last @', () => {
    expect(emailDomain('Alice@ACME.com')).toBe('acme.com');
    expect(emailDomain('"odd@name"@vendor.io')).toBe('vendor.io');
  });

  it('returns null for something that is not an address', () => {
    expect(emailDomain('alice')).toBeNull();
    expect(emailDomain('@acme.com')).toBeNull();
    expect(emailDomain('alice@')).toBeNull();
  });
});
