import { describe, expect, it } from 'vitest';
import { indexObserved, type ObservedIndex } from '../../src/plan/observed-index.js';
import { buildAccountMatcher, rosterIdentities, emailDomain } from '../../src/roster/match.js';
import type { Person } from '../../src/roster/model.js';
import { inCanonicalOrder } from '../../src/snapshot/order.js';
import { rosterPerson } from '../support/person.js';
import type { ObservedAccount, ObservedGroup, ProviderType, Snapshot } from '../../src/types/index.js';

// The index is built for speed (slots, counting sorts, shared group lists); these tests
// hold it to the plain definition: every account matched to a person, its groups in
// snapshot order, each person's accounts in provider name order then snapshot order.

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function person(i: number, aliases: string[] = []): Person {
  return rosterPerson({ employeeId: `E${1000 + i}`, email: `user${i}@acme.com`, aliases, name: `User ${i}`, at: { file: 'people.csv', line: i + 2, col: 1 } });
}

/** A roster and a snapshot with every case the index handles, in random proportions. */
function world(seed: number): { people: Person[]; snapshot: Snapshot; types: Record<string, ProviderType> } {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const people = Array.from({ length: 60 }, (_, i) => person(i, rnd() < 0.2 ? [`old${i}@oldco.com`] : []));
  const types: Record<string, ProviderType> = { okta: 'okta', app: 'scim', k8s: 'kubernetes' };
  const snapshot: Snapshot = { formatVersion: '1.0', observedAt: '2026-11-22T09:00:00Z', providers: {} };
  // 'zeta' is observed but not in Config: not governed, not indexed.
  for (const name of ['okta', 'zeta', 'app', 'k8s']) {
    const accounts: ObservedAccount[] = [];
    const n = 40 + Math.floor(rnd() * 60);
    for (let a = 0; a < n; a++) {
      const i = Math.floor(rnd() * 80); // some beyond the roster: unmatched
      const how = rnd();
      const login =
        how < 0.3 ? `USER${i}@Acme.com` : how < 0.45 ? `old${i}@oldco.com` : how < 0.55 ? `svc-${a}@acme.com` : how < 0.6 ? `x-${a}@elsewhere.org` : `user${i}@acme.com`;
      const seen = rnd();
      accounts.push({
        id: `${name}-${a}`,
        login,
        ...(rnd() < 0.3 ? { emails: [login.toLowerCase(), `user${i}@acme.com`] } : {}),
        status: pick(['active', 'active', 'active', 'suspended', 'deprovisioned'] as const),
        ...(name !== 'k8s' && rnd() < 0.5 ? { externalId: rnd() < 0.9 ? `e${1000 + i}` : 'E9999' } : {}),
        ...(seen < 0.6 ? { lastLoginAt: `2026-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}T10:00:00Z` } : {}),
        ...(seen < 0.9 ? { createdAt: '2024-02-03T10:00:00.250Z' } : {}),
      });
    }
    const groups: ObservedGroup[] = Array.from({ length: 6 }, (_, g) => ({
      id: `${name}-g${g}`,
      name: `Group ${g}`,
      members: [
        ...accounts.filter(() => rnd() < 0.35).map((acc) => acc.id),
        ...(rnd() < 0.3 ? [`${name}-g${(g + 1) % 6}`] : []), // a nested group: no account
      ].sort(() => rnd() - 0.5),
    }));
    snapshot.providers[name] = { type: types[name] ?? 'scim', observedAt: snapshot.observedAt, accounts, groups };
  }
  return { people, snapshot, types };
}

/** The plain definition, one map lookup at a time. */
function reference(snapshot: Snapshot, people: readonly Person[], domains: readonly string[], types: Record<string, ProviderType>) {
  const matcher = buildAccountMatcher(people);
  const byPerson = people.map(() => [] as string[]);
  const providers = new Map<string, Map<string, { person: number; via: string | null; groups: string[]; company: boolean; last: number | null; status: string }>>();
  for (const name of Object.keys(snapshot.providers).sort()) {
    if (!types[name]) continue;
    const observed = snapshot.providers[name]!;
    const accounts = new Map<string, { person: number; via: string | null; groups: string[]; company: boolean; last: number | null; status: string }>();
    for (const a of observed.accounts) {
      const m = matcher.matchAt(a);
      const seen = a.lastLoginAt ?? a.createdAt;
      accounts.set(a.id, {
        person: m ? m.position : -1,
        via: m ? m.via : null,
        groups: observed.groups.flatMap((g) => g.members.filter((id) => id === a.id).map(() => g.name)),
        company: !m && [a.login, ...(a.emails ?? [])].some((e) => domains.includes(emailDomain(e) ?? '')),
        last: seen ? Date.parse(seen) : null,
        status: a.status,
      });
      if (m) byPerson[m.position]!.push(`${name}/${a.id}`);
    }
    providers.set(name, accounts);
  }
  return { providers, byPerson };
}

function describeIndex(index: ObservedIndex, people: readonly Person[]) {
  const providers = new Map<string, Map<string, unknown>>();
  for (const [name, p] of index.providers) {
    const accounts = new Map<string, unknown>();
    for (const acct of [...index.accountsByPerson.flat().filter((a) => a.provider === name), ...p.unmatchedAccounts]) {
      expect(p.accounts.get(acct.account.id)).toBe(acct);
      accounts.set(acct.account.id, {
        person: acct.personAt,
        via: acct.via,
        groups: acct.groups.map((g) => g.name),
        company: acct.inCompanyDomain,
        last: acct.lastActivityMs,
        status: acct.status,
      });
      expect(acct.person).toBe(acct.personAt < 0 ? null : people[acct.personAt]);
    }
    providers.set(name, accounts);
  }
  return { providers, byPerson: index.accountsByPerson.map((list) => list.map((a) => `${a.provider}/${a.account.id}`)) };
}

/** The snapshot with each provider in canonical order (as `lockstep observe` writes it), or with every other group's members reversed. */
function reordered(snapshot: Snapshot, how: 'canonical' | 'mixed'): Snapshot {
  const providers = Object.fromEntries(
    Object.entries(snapshot.providers).map(([name, p]) => {
      const canonical = inCanonicalOrder(p);
      if (how === 'canonical') return [name, canonical];
      return [name, { ...canonical, groups: canonical.groups.map((g, i) => (i % 2 ? { ...g, members: [...g.members].reverse() } : g)) }];
    }),
  );
  return { ...snapshot, providers };
}

describe('indexObserved', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agrees with the plain definition on a random world (seed %i)', (seed) => {
    const { people, snapshot, types } = world(seed);
    const index = indexObserved(snapshot, people, ['acme.com'], (name) => types[name]);
    expect(describeIndex(index, people)).toEqual(reference(snapshot, people, ['acme.com'], types));
    expect([...index.providers.keys()]).toEqual(['app', 'k8s', 'okta']);
    for (const [name, p] of index.providers) {
      const observed = snapshot.providers[name]!;
      expect(p.activeAccounts).toBe(observed.accounts.filter((a) => a.status === 'active').length);
      expect(p.unmatchedAccounts.map((a) => a.account.id)).toEqual(observed.accounts.filter((a) => !buildAccountMatcher(people).match(a)).map((a) => a.id));
      expect(p.accounts.get('no-such-account')).toBeUndefined();
      expect(p.groupsByName.get('Group 0')?.id).toBe(`${name}-g0`);
      expect(p.groupsById.get(`${name}-g5`)?.name).toBe('Group 5');
    }
    // A loaded roster's identity index gives the same index; one for another list is not used.
    const withIdentities = indexObserved(snapshot, people, ['acme.com'], (name) => types[name], rosterIdentities(people));
    expect(describeIndex(withIdentities, people)).toEqual(describeIndex(index, people));
    const stale = rosterIdentities([...people].reverse());
    expect(
      describeIndex(
        indexObserved(snapshot, people, ['acme.com'], (name) => types[name], stale),
        people,
      ),
    ).toEqual(describeIndex(index, people));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agrees with the plain definition on a snapshot in id order, whole or in part (seed %i)', (seed) => {
    const { people, snapshot, types } = world(seed);
    for (const how of ['canonical', 'mixed'] as const) {
      const s = reordered(snapshot, how);
      const okta = s.providers.okta!;
      expect(okta.accounts.map((a) => a.id)).toEqual(okta.accounts.map((a) => a.id).sort());
      const index = indexObserved(s, people, ['acme.com'], (name) => types[name]);
      expect(describeIndex(index, people)).toEqual(reference(s, people, ['acme.com'], types));
    }
  });

  it('looks members up one by one where ids repeat or a group is out of order, with the same result', () => {
    const people = [person(0), person(1), person(2)];
    const account = (id: string, i: number): ObservedAccount => ({ id, login: people[i]!.email, status: 'active' });
    const snapshot = (accounts: ObservedAccount[], members: string[][]): Snapshot => ({
      formatVersion: '1.0',
      observedAt: '2026-11-22T09:00:00Z',
      providers: {
        app: { type: 'scim', observedAt: '2026-11-22T09:00:00Z', accounts, groups: members.map((m, g) => ({ id: `g${g}`, name: `G${g}`, members: m })) },
      },
    });
    const groupsOf = (s: Snapshot) => indexObserved(s, people, [], () => 'scim').accountsByPerson.map((list) => list.map((a) => a.groups.map((g) => g.name)));
    // In id order: merged; members that are no account ('0', 'bb', 'x') sort before, between and after the accounts.
    expect(
      groupsOf(
        snapshot(
          [account('a', 0), account('b', 1), account('c', 2)],
          [
            ['a', 'c'],
            ['0', 'b', 'x'],
            ['bb', 'c'],
          ],
        ),
      ),
    ).toEqual([[['G0']], [['G1']], [['G0', 'G2']]]);
    // A member listed twice, members out of order, and the same with the accounts out of order.
    expect(groupsOf(snapshot([account('a', 0), account('b', 1), account('c', 2)], [['a', 'a'], ['c', 'b'], []]))).toEqual([[['G0', 'G0']], [['G1']], [['G1']]]);
    expect(groupsOf(snapshot([account('c', 2), account('a', 0), account('b', 1)], [['a', 'a'], ['c', 'b'], []]))).toEqual([[['G0', 'G0']], [['G1']], [['G1']]]);
    // An id that repeats: the later account holds the memberships (as a lookup by id gives).
    const twice = indexObserved(snapshot([account('a', 0), account('a', 1)], [['a']]), people, [], () => 'scim');
    expect(twice.accountsByPerson.map((list) => list.map((a) => a.groups.map((g) => g.name)))).toEqual([[[]], [['G0']], []]);
    expect(twice.providers.get('app')!.accounts.get('a')!.person).toBe(people[1]);
  });

  it('gives accounts in the same groups one shared list, and accounts in none the same empty list', () => {
    const people = [person(0), person(1), person(2)];
    const accounts: ObservedAccount[] = people.map((p, i) => ({ id: `a${i}`, login: p.email, status: 'active' }));
    const snapshot: Snapshot = {
      formatVersion: '1.0',
      observedAt: '2026-11-22T09:00:00Z',
      providers: {
        app: {
          type: 'scim',
          observedAt: '2026-11-22T09:00:00Z',
          accounts,
          groups: [
            { id: 'g1', name: 'One', members: ['a1', 'a0'] },
            { id: 'g2', name: 'Two', members: ['a0', 'nested', 'a1'] },
          ],
        },
      },
    };
    const index = indexObserved(snapshot, people, [], () => 'scim');
    const [a0, a1, a2] = index.accountsByPerson.map((list) => list[0]!);
    expect(a0!.groups.map((g) => g.name)).toEqual(['One', 'Two']);
    expect(a1!.groups).toBe(a0!.groups);
    expect(a2!.groups).toEqual([]);
  });
});
