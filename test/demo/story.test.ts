import { describe, expect, it } from 'vitest';
import { DEMO_NOW, DEMO_PROVIDERS, demoOrg, demoSnapshot } from '../../src/demo/demo-org.js';
import { generateOrg } from '../../src/demo/org.js';
import type { DemoDocument } from '../../src/demo/model.js';
import { rifApprovals } from '../../src/demo/policy.js';
import type { ObservedAccount, RosterRow } from '../../src/types/index.js';
import { byAnyEmail, key, managedGroups, roleGrants, unentitledMemberships } from './entitlement.js';
import { schemaChecker } from './schema-check.js';

const DAY = 86_400_000;
const now = new Date(DEMO_NOW);
const org = demoOrg();
const facts = org.story;
const rows = new Map(org.roster.map((r) => [r.email, r]));
const row = (email: string): RosterRow => {
  const r = rows.get(email);
  if (!r) throw new Error(`${email} is not in the roster`);
  return r;
};
const account = (provider: string, login: string): ObservedAccount | undefined =>
  org.snapshot.providers[provider]?.accounts.find((a) => a.login.toLowerCase() === login.toLowerCase());
const membersOf = (provider: string, group: string): string[] => {
  const p = org.snapshot.providers[provider];
  const ids = new Set(p?.groups.find((g) => g.name === group)?.members ?? []);
  return (p?.accounts ?? []).filter((a) => ids.has(a.id)).map((a) => a.login);
};
const daysBeforeNow = (iso: string): number => (now.getTime() - Date.parse(iso)) / DAY;
const aliasesOf = (r: RosterRow): string[] =>
  String(r.aliases ?? '')
    .split(';')
    .filter(Boolean);
const docs = <K extends DemoDocument['kind']>(kind: K): Extract<DemoDocument, { kind: K }>[] =>
  org.documents.filter((d): d is Extract<DemoDocument, { kind: K }> => d.kind === kind);
const grants = roleGrants(org.documents, org.roster);

describe('the demo story', () => {
  it('is Northwind, at least 200 people, generated at the demo instant', () => {
    expect(org.company).toEqual({ name: 'Northwind', domain: 'northwind.example' });
    expect(org.roster.length).toBeGreaterThanOrEqual(200);
    expect(facts.people).toBe(org.roster.length);
    expect(org.snapshot.observedAt).toBe('2026-11-20T09:00:00Z');
    expect(Object.keys(org.snapshot.providers)).toEqual(['okta', 'google', 'entra', 'prod-cluster', 'helpdesk', 'wiki', 'vpn']);
  });

  it('is the same story every time, and demoSnapshot is its observed state', () => {
    expect(JSON.stringify(demoOrg())).toBe(JSON.stringify(org));
    expect(demoSnapshot()).toEqual(org.snapshot);
  });

  it('has four leavers terminated 1 to 6 days ago, still active in several apps', () => {
    expect(facts.leavers).toHaveLength(4);
    for (const l of facts.leavers) {
      const r = row(l.email);
      expect(r.status).toBe('terminated');
      expect(daysBeforeNow(String(r.end_date))).toBeGreaterThanOrEqual(1);
      expect(daysBeforeNow(String(r.end_date))).toBeLessThanOrEqual(6);
      expect(l.providers.length).toBeGreaterThanOrEqual(2);
      for (const p of l.providers) expect(account(p, l.email)?.status).toBe('active');
    }
  });

  it('has a ghost: a leaver active under an alias from the roster', () => {
    const leaver = row(facts.ghost.person);
    expect(leaver.status).toBe('terminated');
    expect(aliasesOf(leaver)).toContain(facts.ghost.alias);
    expect(account(facts.ghost.provider, facts.ghost.alias)?.status).toBe('active');
    expect(facts.leavers.find((l) => l.email === facts.ghost.person)?.aliasAccounts).toEqual([{ provider: facts.ghost.provider, login: facts.ghost.alias }]);
  });

  it('has a privileged leaver who holds the admin groups', () => {
    const admins = docs('RoleAssignment').find((a) => a.spec.roles.includes('it-admin'));
    expect(admins?.spec.people).toContain(facts.privilegedLeaver);
    expect(docs('RoleProfile').find((r) => r.metadata.name === 'it-admin')?.spec.tier).toBe('privileged');
    expect(membersOf('helpdesk', 'Helpdesk Admins')).toContain(facts.privilegedLeaver);
    expect(facts.leavers.filter((l) => l.privileged).map((l) => l.email)).toEqual([facts.privilegedLeaver]);
  });

  it('has an orphan in the company domain that matches nobody', () => {
    expect(facts.orphan.login.endsWith('@northwind.example')).toBe(true);
    expect(byAnyEmail(org.roster).has(facts.orphan.login)).toBe(false);
    expect(account(facts.orphan.provider, facts.orphan.login)?.status).toBe('active');
    expect(facts.orphan.groups).toContain('Wiki Admins');
  });

  it('protects a break-glass account that no person owns', () => {
    const config = docs('Config')[0]!;
    expect(config.spec.protected).toContainEqual(expect.objectContaining({ provider: '*', login: facts.breakglass.login }));
    expect(byAnyEmail(org.roster).has(facts.breakglass.login)).toBe(false);
    expect(facts.breakglass.providers).toEqual(['helpdesk', 'wiki']);
    expect(membersOf('helpdesk', 'Helpdesk Admins')).toContain(facts.breakglass.login);
  });

  it('has three dormant accounts of active people, last used 120 to 200 days ago', () => {
    expect(facts.dormant).toHaveLength(3);
    for (const d of facts.dormant) {
      expect(row(d.person).status).toBe('active');
      const days = daysBeforeNow(String(account(d.provider, d.login)?.lastLoginAt));
      expect(days).toBeGreaterThanOrEqual(120);
      expect(days).toBeLessThanOrEqual(201);
    }
    // Nobody else has gone quiet for 90 days.
    const quiet = Object.entries(org.snapshot.providers).flatMap(([p, o]) =>
      o.accounts.filter((a) => a.lastLoginAt && daysBeforeNow(a.lastLoginAt) > 90).map((a) => `${p}/${a.login}`),
    );
    expect(quiet.sort()).toEqual(facts.dormant.map((d) => `${d.provider}/${d.login}`).sort());
  });

  it('has drift: two members of a managed group that no role grants them', () => {
    expect(facts.drift.members).toHaveLength(2);
    expect(managedGroups(org.documents).has(key(facts.drift.provider, facts.drift.group))).toBe(true);
    for (const m of facts.drift.members) {
      expect(row(m).status).toBe('active');
      expect(membersOf(facts.drift.provider, facts.drift.group)).toContain(m);
      expect(grants.get(m)?.has(key(facts.drift.provider, facts.drift.group))).toBe(false);
      expect(docs('Exception').some((e) => e.spec.person === m)).toBe(false);
    }
  });

  it('has an exception expiring in 10 days and one that expired 3 days ago, both still held', () => {
    for (const [fact, days] of [
      [facts.exception, -10],
      [facts.expiredException, 3],
    ] as const) {
      // A bare date is midnight UTC; the demo instant is 09:00 UTC.
      expect(daysBeforeNow(fact.expires) - days).toBeCloseTo(9 / 24, 5);
      const doc = docs('Exception').find((e) => e.metadata.name === fact.name);
      expect(doc?.spec).toMatchObject({ person: fact.person, grants: [{ provider: fact.provider, group: fact.group }], expires: fact.expires });
      expect(doc?.spec.reason).toBeTruthy();
      expect(doc?.spec.ticket).toBeTruthy();
      expect(row(fact.person).status).toBe('active');
      expect(membersOf(fact.provider, fact.group)).toContain(fact.person);
      expect(grants.get(fact.person)?.has(key(fact.provider, fact.group))).toBe(false);
    }
  });

  it('has a reduction in force that removes more than 30% of the Sales group in okta, google, entra and helpdesk', () => {
    const { rif } = facts;
    expect(rif.people).toHaveLength(14);
    expect(rif.groups.map((g) => `${g.provider}/${g.group}`)).toEqual(['okta/Sales', 'google/sales@northwind.example', 'entra/SG-Sales', 'helpdesk/Sales']);
    for (const g of rif.groups) {
      expect(g.members).toBe(membersOf(g.provider, g.group).length);
      expect(g.members).toBe(40);
      expect(g.fraction).toBe(rif.people.length / g.members);
      expect(g.fraction).toBeGreaterThan(0.3);
      for (const p of rif.people) expect(membersOf(g.provider, g.group)).toContain(p);
    }
    for (const p of rif.people) {
      expect(row(p)).toMatchObject({ status: 'terminated', end_date: rif.endDate, department: 'Sales' });
    }
    expect(daysBeforeNow(rif.endDate)).toBeGreaterThanOrEqual(1);
    expect(daysBeforeNow(rif.endDate)).toBeLessThan(2);
  });

  it('keeps every provider under the mass-suspension threshold', () => {
    expect(Object.keys(facts.suspensions)).toEqual(['okta', 'google', 'entra', 'prod-cluster', 'helpdesk', 'wiki', 'vpn']);
    for (const [name, s] of Object.entries(facts.suspensions)) {
      const active = org.snapshot.providers[name]!.accounts.filter((a) => a.status === 'active').length;
      expect(s.activeAccounts).toBe(active);
      expect(s.logins.length / active, name).toBeLessThan(0.1);
      expect(s.logins).not.toContain(facts.breakglass.login);
    }
    for (const companyWide of ['okta', 'google', 'entra', 'helpdesk']) expect(facts.suspensions[companyWide]?.logins, companyWide).toHaveLength(4 + 14 + 1);
  });

  it('trips the group-removal rule for the Sales groups only', () => {
    // Removals the policy plans now: everything a suspended account holds, drift, and the lapsed exception.
    const removals = new Map<string, number>();
    for (const [provider, observed] of Object.entries(org.snapshot.providers)) {
      const suspended = new Set(facts.suspensions[provider]?.logins);
      const dormant = new Set(facts.dormant.filter((d) => d.provider === provider).map((d) => d.login));
      const loginOf = new Map(observed.accounts.map((a) => [a.id, a.login]));
      for (const g of observed.groups) {
        const removed = g.members.filter((id) => {
          const login = loginOf.get(id)!;
          if (suspended.has(login) && !dormant.has(login)) return true;
          if (provider === facts.drift.provider && g.name === facts.drift.group && facts.drift.members.includes(login)) return true;
          return provider === facts.expiredException.provider && g.name === facts.expiredException.group && login === facts.expiredException.person;
        }).length;
        if (g.members.length >= 10 && removed > 0.3 * g.members.length) removals.set(`${provider}/${g.name}`, removed);
      }
    }
    expect([...removals.keys()]).toEqual(['okta/Sales', 'google/sales@northwind.example', 'entra/SG-Sales', 'helpdesk/Sales']);
  });

  it('keeps the helpdesk admins above the minimum once the leaver is removed', () => {
    const min = docs('Config')[0]!.spec.minMembers?.find((m) => m.group === 'Helpdesk Admins');
    expect(min).toEqual({ provider: 'helpdesk', group: 'Helpdesk Admins', count: 2 });
    const remaining = membersOf('helpdesk', 'Helpdesk Admins').filter((m) => m !== facts.privilegedLeaver && m !== facts.breakglass.login);
    expect(remaining.length).toBeGreaterThanOrEqual(2);
  });

  it('has a contractor whose contract ended two days ago, and one person on leave', () => {
    const c = row(facts.contractorEnd.person);
    expect(c).toMatchObject({ employment_type: 'contractor', status: 'active', end_date: facts.contractorEnd.endDate });
    expect(Math.floor(daysBeforeNow(facts.contractorEnd.endDate))).toBe(2);
    expect(facts.contractorEnd.providers).toEqual(['okta', 'google', 'entra', 'prod-cluster', 'helpdesk', 'wiki', 'vpn']);
    expect(org.roster.filter((r) => r.status === 'leave').map((r) => r.email)).toEqual([facts.onLeave.person]);
  });

  it('deviates from policy only where the story says so', () => {
    // The ghost account's groups are the leaver's by role: the leaver rule, not drift, removes them.
    const expected = [
      ...facts.drift.members.map((m) => `${facts.drift.provider}/${facts.drift.group}/${m}`),
      ...[facts.exception, facts.expiredException].map((e) => `${e.provider}/${e.group}/${e.person}`),
      `${facts.orphan.provider}/Wiki Admins/${facts.orphan.login}`,
      ...facts.breakglass.groups.map((g) => `${g.provider}/${g.group}/${facts.breakglass.login}`),
    ];
    expect(unentitledMemberships(org.documents, org.roster, org.snapshot)).toEqual(expected.sort());
  });

  it('offers the Approvals that let the reduction in force through, one per group, valid against their schema', () => {
    const approvals = rifApprovals(facts, now);
    expect(approvals.map((a) => a.spec.scope)).toEqual(facts.rif.groups.map((g) => ({ provider: g.provider, group: g.group })));
    expect(new Set(approvals.map((a) => a.metadata.name)).size).toBe(4);
    for (const approval of approvals) {
      expect(approval.spec.allowRemovals).toBe(14);
      expect(schemaChecker()('approval.schema.json', approval)).toEqual([]);
    }
  });
});

describe('the demo story on other organisations', () => {
  it.each([
    [200, 1],
    [240, 2],
    [400, 3],
    [1000, 4],
  ])('keeps its guard arithmetic with %i people (seed %i)', (people, seed) => {
    const other = generateOrg({ people, seed, providers: DEMO_PROVIDERS, now, story: true });
    expect(other.story.rif.groups).toHaveLength(4);
    for (const g of other.story.rif.groups) expect(g.fraction, g.provider).toBeGreaterThan(0.3);
    for (const [name, s] of Object.entries(other.story.suspensions)) expect(s.fraction, name).toBeLessThan(0.1);
    expect(other.story.leavers).toHaveLength(4);
    expect(other.story.dormant).toHaveLength(3);
  });
});
