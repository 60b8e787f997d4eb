import { describe, expect, it } from 'vitest';
import { indexObserved, type ObservedIndex } from '../../src/plan/observed-index.js';
import { rosterIdentities } from '../../src/roster/match.js';
import type { Person } from '../../src/roster/model.js';
import { inCanonicalOrder } from '../../src/snapshot/order.js';
import { rosterPerson } from '../support/person.js';
import type { ObservedAccount, ObservedGroup, ProviderType, Snapshot } from '../../src/types/index.js';
import { referenceIndex } from './observed-index-reference.js';

// The index is built for speed (slots, counting sorts, merges, shared group lists); these
// tests hold it to the plain definition (observed-index-reference.ts), answer for answer,
// on random worlds. Each world comes from a seed, so a failure names the seed that
// reproduces it.

/** A small deterministic generator (mulberry32). */
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

interface World {
  readonly people: Person[];
  readonly snapshot: Snapshot;
  readonly types: Record<string, ProviderType>;
  readonly domains: string[];
}

const CONFIGURED: Record<string, ProviderType> = { okta: 'okta', app: 'scim', k8s: 'kubernetes', gws: 'google' };

/**
 * A roster and a snapshot with every case the index handles, in proportions the seed
 * picks: accounts matched by employee id, primary email, alias or previous email (in any
 * case, in the login or the emails), accounts nobody owns (in a company domain or not),
 * people with no account or several, ids that repeat, members that are no account
 * (nested groups, deleted accounts), members listed twice, groups whose name or id
 * repeats, activity times in every shape, and providers observed but not in Config.
 */
function world(seed: number): World {
  const rnd = random(seed);
  const chance = (p: number): boolean => rnd() < p;
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const shout = (s: string): string => (chance(0.3) ? s.toUpperCase() : chance(0.3) ? s[0]!.toUpperCase() + s.slice(1) : s);

  const size = pick([0, 1, 5, 30, 80]);
  const people = Array.from({ length: size }, (_, i) =>
    rosterPerson({
      employeeId: `E${1000 + i}`,
      email: `user${i}@acme.com`,
      aliases: [...(chance(0.25) ? [`old${i}@oldco.com`] : []), ...(chance(0.1) ? [`u${i}@acme.com`] : [])],
      name: `User ${i}`,
      at: { file: 'people.csv', line: i + 2, col: 1 },
    }),
  );
  const types: Record<string, ProviderType> = { ...CONFIGURED };
  const domains = pick([['acme.com'], ['ACME.com', 'oldco.com'], []]);
  const snapshot: Snapshot = { formatVersion: '1.0', observedAt: '2026-11-22T09:00:00Z', providers: {} };
  // 'zeta' is observed but not in Config: not governed, not indexed.
  const names = ['okta', 'zeta', 'app', 'k8s', 'gws'].filter(() => chance(0.85));
  for (const name of names) {
    const accounts: ObservedAccount[] = [];
    const n = pick([0, 3, 40, 120]);
    for (let a = 0; a < n; a++) {
      const i = int(Math.max(1, size * 1.3)); // some beyond the roster: unmatched
      const how = rnd();
      const login =
        how < 0.3
          ? shout(`user${i}@acme.com`)
          : how < 0.45
            ? shout(`old${i}@oldco.com`)
            : how < 0.5
              ? `u${i}@acme.com`
              : how < 0.6
                ? `svc-${a}@acme.com`
                : how < 0.65
                  ? `x-${a}@elsewhere.org`
                  : how < 0.7
                    ? `login-${a}`
                    : `user${i}@acme.com`;
      const seen = rnd();
      accounts.push({
        id: chance(0.04) && accounts.length > 0 ? pick(accounts).id : `${name}-${a}`,
        login,
        ...(chance(0.3) ? { emails: pick([[login.toLowerCase(), shout(`user${int(size + 3)}@acme.com`)], [`old${i}@oldco.com`], []]) } : {}),
        status: pick(['active', 'active', 'active', 'suspended', 'deprovisioned'] as const),
        ...(name !== 'k8s' && chance(0.5) ? { externalId: pick([`e${1000 + i}`, `E${1000 + i}`, 'E9999', '', null]) } : {}),
        ...(seen < 0.5
          ? { lastLoginAt: pick([`2026-0${1 + int(9)}-1${int(9)}T10:00:00Z`, '2025-12-31T23:59:59.999Z', '2026-02-30T10:00:00Z', 'yesterday', '', null]) }
          : {}),
        ...(seen < 0.85 ? { createdAt: pick(['2024-02-03T10:00:00.250Z', '2024-02-29T00:00:00Z', '2024-02-03T10:00:00+01:00']) } : {}),
      });
    }
    const groupCount = pick([0, 1, 6]);
    const groups: ObservedGroup[] = Array.from({ length: groupCount }, (_, g) => ({
      id: chance(0.05) && g > 0 ? `${name}-g0` : `${name}-g${g}`,
      name: chance(0.05) && g > 0 ? 'Group 0' : `Group ${g}`,
      members: [
        ...accounts.filter(() => chance(pick([0, 0.1, 0.4, 0.9]))).map((acc) => acc.id),
        ...(chance(0.3) ? [`${name}-g${(g + 1) % groupCount}`] : []), // a nested group: no account
        ...(chance(0.2) ? [`${name}-gone`] : []), // an account no longer observed
        ...(chance(0.1) && accounts.length > 0 ? [pick(accounts).id] : []), // listed twice, perhaps
      ].sort(() => rnd() - 0.5),
    }));
    snapshot.providers[name] = { type: types[name] ?? 'scim', observedAt: snapshot.observedAt, accounts, groups };
  }
  return { people, snapshot, types, domains };
}

/** The snapshot as given, in canonical order (as `lockstep observe` writes it), or in canonical order with every other group's members reversed. */
function ordered(snapshot: Snapshot, how: 'as given' | 'canonical' | 'mixed'): Snapshot {
  if (how === 'as given') return snapshot;
  const providers = Object.fromEntries(
    Object.entries(snapshot.providers).map(([name, p]) => {
      const canonical = inCanonicalOrder(p);
      if (how === 'canonical') return [name, canonical];
      return [name, { ...canonical, groups: canonical.groups.map((g, i) => (i % 2 ? { ...g, members: [...g.members].reverse() } : g)) }];
    }),
  );
  return { ...snapshot, providers };
}

/** Every answer the index gives about a world, including questions about what is not there. */
function answers(index: ObservedIndex, { people, snapshot }: Pick<World, 'people' | 'snapshot'>) {
  const providers = [...Object.keys(snapshot.providers), 'nowhere'];
  return {
    providers: index.providers,
    byPerson: [-1, ...people.keys(), people.length].map((p) => index.accountsOf(p)),
    accounts: providers.map((name) => [...(snapshot.providers[name]?.accounts ?? []).map((a) => a.id), 'no-such-account'].map((id) => index.account(name, id))),
    unmatched: providers.map((name) => index.unmatchedAccounts(name)),
    byName: providers.map((name) => [...(snapshot.providers[name]?.groups ?? []).map((g) => g.name), 'no-such-group'].map((g) => index.groupByName(name, g))),
    byId: providers.map((name) => [...(snapshot.providers[name]?.groups ?? []).map((g) => g.id), 'no-such-group'].map((g) => index.groupById(name, g))),
    active: providers.map((name) => index.activeAccounts(name)),
  };
}

const SEEDS = Array.from({ length: 60 }, (_, i) => i + 1);

describe('indexObserved', () => {
  it.each(SEEDS)('answers as the plain definition does on a random world, in any order (seed %i)', (seed) => {
    const w = world(seed);
    for (const how of ['as given', 'canonical', 'mixed'] as const) {
      const snapshot = ordered(w.snapshot, how);
      const typeOf = (name: string) => w.types[name];
      const want = answers(referenceIndex(snapshot, w.people, w.domains, typeOf), { ...w, snapshot });
      expect(answers(indexObserved(snapshot, w.people, w.domains, typeOf), { ...w, snapshot })).toEqual(want);
      // A loaded roster's identity index gives the same answers; one for another list is not used.
      expect(answers(indexObserved(snapshot, w.people, w.domains, typeOf, rosterIdentities(w.people)), { ...w, snapshot })).toEqual(want);
      const stale = rosterIdentities([...w.people].reverse());
      expect(answers(indexObserved(snapshot, w.people, w.domains, typeOf, stale), { ...w, snapshot })).toEqual(want);
    }
  });

  it.each(SEEDS.slice(0, 10))('gives one record per account, whichever way it is reached (seed %i)', (seed) => {
    const w = world(seed);
    const index = indexObserved(ordered(w.snapshot, 'canonical'), w.people, w.domains, (name) => w.types[name]);
    for (const provider of index.providers) {
      const reached = [...w.people.keys()].flatMap((p) => index.accountsOf(p)).filter((a) => a.provider === provider);
      for (const acct of [...reached, ...index.unmatchedAccounts(provider)]) {
        const byId = index.account(provider, acct.account.id)!;
        // Where an id repeats, the id names the last account with it.
        if (byId.account === acct.account) expect(byId).toBe(acct);
      }
    }
  });

  it('covers the cases the worlds are meant to hold', () => {
    // Guards the generator: were a case to vanish from it, the comparison above would pass vacuously.
    const seen = new Set<string>();
    for (const seed of SEEDS) {
      const w = world(seed);
      const index = referenceIndex(w.snapshot, w.people, w.domains, (name) => w.types[name]);
      for (const provider of index.providers) {
        const { accounts, groups } = w.snapshot.providers[provider]!;
        const ids = new Set(accounts.map((a) => a.id));
        if (ids.size < accounts.length) seen.add('repeated id');
        if (groups.some((g) => g.members.some((m) => !ids.has(m)))) seen.add('member that is no account');
        if (groups.some((g) => new Set(g.members).size < g.members.length)) seen.add('member listed twice');
        if (new Set(groups.map((g) => g.name)).size < groups.length) seen.add('repeated group name');
        for (const a of index.unmatchedAccounts(provider)) seen.add(a.inCompanyDomain ? 'unmatched in company domain' : 'unmatched elsewhere');
        if (accounts.some((a) => a.lastLoginAt === 'yesterday')) seen.add('activity Date.parse cannot read');
      }
      for (const p of w.people.keys()) for (const a of index.accountsOf(p)) seen.add(`via ${a.via}`);
      if (w.people.some((_, p) => index.accountsOf(p).length === 0)) seen.add('person with no account');
      if (w.people.some((_, p) => index.accountsOf(p).length > 1)) seen.add('person with several accounts');
      if (Object.keys(w.snapshot.providers).some((name) => !w.types[name])) seen.add('provider not in Config');
    }
    expect([...seen].sort()).toEqual(
      [
        'activity Date.parse cannot read',
        'member listed twice',
        'member that is no account',
        'person with no account',
        'person with several accounts',
        'provider not in Config',
        'repeated group name',
        'repeated id',
        'unmatched elsewhere',
        'unmatched in company domain',
        'via alias',
        'via email',
        'via employee_id',
      ].sort(),
    );
  });

  it('looks members up one by one where ids repeat or a group is out of order, with the same result', () => {
    const people = [0, 1, 2].map((i) => rosterPerson({ employeeId: `E${i}`, email: `user${i}@acme.com` }));
    const account = (id: string, i: number): ObservedAccount => ({ id, login: people[i]!.email, status: 'active' });
    const snapshot = (accounts: ObservedAccount[], members: string[][]): Snapshot => ({
      formatVersion: '1.0',
      observedAt: '2026-11-22T09:00:00Z',
      providers: {
        app: { type: 'scim', observedAt: '2026-11-22T09:00:00Z', accounts, groups: members.map((m, g) => ({ id: `g${g}`, name: `G${g}`, members: m })) },
      },
    });
    const groupsOf = (s: Snapshot) => {
      const index = indexObserved(s, people, [], () => 'scim');
      return people.map((_, p) => index.accountsOf(p).map((a) => a.groups.map((g) => g.name)));
    };
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
    const twice = snapshot([account('a', 0), account('a', 1)], [['a']]);
    expect(groupsOf(twice)).toEqual([[[]], [['G0']], []]);
    expect(indexObserved(twice, people, [], () => 'scim').account('app', 'a')!.person).toBe(people[1]);
  });

  it('gives accounts in the same groups one shared list, and accounts in none the same empty list', () => {
    const people = [0, 1, 2, 3].map((i) => rosterPerson({ employeeId: `E${i}`, email: `user${i}@acme.com` }));
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
    const [a0, a1, a2, a3] = people.map((_, p) => index.accountsOf(p)[0]!);
    expect(a0!.groups.map((g) => g.name)).toEqual(['One', 'Two']);
    expect(a1!.groups).toBe(a0!.groups);
    expect(a2!.groups).toEqual([]);
    expect(a3!.groups).toBe(a2!.groups);
  });
});
