import { describe, expect, it } from 'vitest';
import type { Person } from '../../src/roster/model.js';
import { rosterPerson } from '../support/person.js';
import { buildAccountMatcher, emailDomain } from '../../src/roster/match.js';

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
    expect(m.matchCode({ login: 'c@acme.com' })).toBe(0 * 4 + 3);
    expect(m.matchCode({ login: 'nobody@acme.com' })).toBe(-1);
  });

  it('returns null for an account nobody in the roster owns', () => {
    expect(matcher.match({ login: 'mallory@acme.com', emails: [], externalId: '' })).toBeNull();
  });

  it('matches 500,000 accounts in constant time each', () => {
    const people = Array.from({ length: 100_000 }, (_, i) => person(`E${i}`, `user${i}@acme.com`, [`u${i}@old.acme.com`]));
    const accounts = Array.from({ length: 500_000 }, (_, i) => ({ login: `U${i % 125_000}@OLD.acme.com` }));
    const big = buildAccountMatcher(people);
    const started = performance.now();
    const matched = accounts.filter((a) => big.match(a) !== null).length;
    const elapsed = performance.now() - started;
    expect(matched).toBe(400_000);
    expect(elapsed).toBeLessThan(3_000);
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
