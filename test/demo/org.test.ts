import { describe, expect, it } from 'vitest';
import type { ProviderSpec } from '../../src/demo/model.js';
import { generateOrg } from '../../src/demo/org.js';
import { PROVIDER_STYLES } from '../../src/demo/provider-styles.js';
import type { ProviderType, RosterRow } from '../../src/types/index.js';
import { byAnyEmail, key, roleGrants, unentitledMemberships } from './entitlement.js';
import { schemaChecker } from './schema-check.js';

const NOW = new Date('2026-03-02T12:00:00Z');
const EVERY_TYPE: ProviderSpec[] = (Object.keys(PROVIDER_STYLES) as ProviderType[]).map((type) => ({ name: `${type}-main`, type }));
const FIVE: ProviderSpec[] = [
  { name: 'okta', type: 'okta' },
  { name: 'gws', type: 'google' },
  { name: 'entra', type: 'entra' },
  { name: 'zendesk', type: 'scim' },
  { name: 'vpn', type: 'manual' },
];

describe('generateOrg', () => {
  const org = generateOrg({ people: 2000, providers: EVERY_TYPE, now: NOW, seed: 7 });
  const rows = new Map(org.roster.map((r) => [r.email, r]));

  it('gives the same organisation for the same seed, and another for another seed', () => {
    const again = generateOrg({ people: 2000, providers: EVERY_TYPE, now: NOW, seed: 7 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(org));
    const other = generateOrg({ people: 2000, providers: EVERY_TYPE, now: NOW, seed: 8 });
    expect(other.roster.map((r) => r.email)).not.toEqual(org.roster.map((r) => r.email));
  });

  it('shifts every date with now and changes nothing else', () => {
    const later = generateOrg({ people: 300, providers: FIVE, now: new Date(NOW.getTime() + 86_400_000), seed: 7 });
    const base = generateOrg({ people: 300, providers: FIVE, now: NOW, seed: 7 });
    expect(later.roster.map((r) => r.email)).toEqual(base.roster.map((r) => r.email));
    expect(later.snapshot.providers['okta']?.accounts.map((a) => a.id)).toEqual(base.snapshot.providers['okta']?.accounts.map((a) => a.id));
  });

  it('makes unique people with unique ids and addresses', () => {
    expect(org.roster).toHaveLength(2000);
    expect(new Set(org.roster.map((r) => r.employee_id)).size).toBe(2000);
    const addresses = org.roster.flatMap((r) => [r.email, ...String(r.aliases).split(';').filter(Boolean)]);
    expect(new Set(addresses.map((a) => a.toLowerCase())).size).toBe(addresses.length);
    expect(new Set(org.roster.map((r) => r.department))).toEqual(
      new Set(['Executive', 'Sales', 'Engineering', 'Support', 'Finance', 'Marketing', 'People', 'IT', 'Legal']),
    );
  });

  it('builds a reporting tree in which every manager is an active person', () => {
    const roots = org.roster.filter((r) => !r.manager_email);
    expect(roots.map((r) => r.title)).toEqual(['Chief Executive Officer']);
    for (const row of org.roster) {
      if (!row.manager_email) continue;
      expect(rows.get(row.manager_email)?.status, row.email).toBe('active');
      let at: RosterRow | undefined = row;
      for (let depth = 0; at?.manager_email; depth++) {
        expect(depth, `cycle above ${row.email}`).toBeLessThan(20);
        at = rows.get(at.manager_email);
      }
      expect(at?.title).toBe('Chief Executive Officer');
    }
    const reports = new Map<string, number>();
    for (const r of org.roster) if (r.manager_email) reports.set(r.manager_email, (reports.get(r.manager_email) ?? 0) + 1);
    const humansUnderOneManager = Math.max(...[...reports.entries()].filter(([m]) => rows.get(m)?.title !== 'Chief Executive Officer').map(([, n]) => n));
    expect(humansUnderOneManager).toBeLessThanOrEqual(16);
  });

  it('mixes employment types and statuses the way an HRIS export does', () => {
    const share = (pred: (r: RosterRow) => boolean): number => org.roster.filter(pred).length / org.roster.length;
    expect(share((r) => r.employment_type === 'contractor')).toBeGreaterThan(0.05);
    expect(share((r) => r.employment_type === 'contractor')).toBeLessThan(0.15);
    expect(share((r) => r.employment_type === 'service')).toBeGreaterThan(0);
    expect(share((r) => r.status === 'active')).toBeGreaterThan(0.9);
    expect(share((r) => r.status === 'leave')).toBeGreaterThan(0);
    for (const r of org.roster.filter((r) => r.employment_type === 'contractor' && r.status === 'active')) {
      expect(Date.parse(String(r.end_date)), r.email).toBeGreaterThan(NOW.getTime());
    }
    for (const r of org.roster.filter((r) => r.status === 'terminated')) expect(Date.parse(String(r.end_date))).toBeLessThanOrEqual(NOW.getTime());
  });

  it('gives accounts, with realistic ids, to the people whose roles reach each provider', () => {
    const grants = roleGrants(org.documents, org.roster);
    const people = byAnyEmail(org.roster);
    for (const [name, observed] of Object.entries(org.snapshot.providers)) {
      expect(new Set(observed.accounts.map((a) => a.id)).size, name).toBe(observed.accounts.length);
      expect(new Set(observed.accounts.map((a) => a.login)).size, name).toBe(observed.accounts.length);
      const ids = new Set(observed.accounts.map((a) => a.id));
      for (const g of observed.groups) for (const m of g.members) expect(ids.has(m), `${name}/${g.name}`).toBe(true);
      for (const a of observed.accounts) {
        const row = people.get(a.login.toLowerCase());
        expect(row, a.login).toBeDefined();
        expect(
          [...(grants.get(row!.email.toLowerCase()) ?? [])].some((g) => g.startsWith(key(name, ''))),
          a.login,
        ).toBe(true);
      }
    }
    const ids = (provider: string): string[] => org.snapshot.providers[provider]?.accounts.map((a) => a.id) ?? [];
    expect(ids('scim-main')[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids('okta-main')[0]).toMatch(/^00u[0-9A-Za-z]{17}$/);
    expect(ids('google-main')[0]).toMatch(/^[1-9][0-9]{20}$/);
    expect(ids('kubernetes-main')[0]).toMatch(/^User:/);
  });

  it('keeps managed memberships exactly as the policy grants them', () => {
    expect(unentitledMemberships(org.documents, org.roster, org.snapshot)).toEqual([]);
    const grants = roleGrants(org.documents, org.roster);
    const holding = new Set<string>();
    for (const [provider, observed] of Object.entries(org.snapshot.providers)) {
      const loginOf = new Map(observed.accounts.map((a) => [a.id, a.login]));
      for (const g of observed.groups) for (const id of g.members) holding.add(`${loginOf.get(id)}\u0000${key(provider, g.name)}`);
    }
    for (const row of org.roster.filter((r) => r.status === 'active')) {
      for (const g of grants.get(row.email.toLowerCase()) ?? []) expect(holding.has(`${row.email}\u0000${g}`), `${row.email} ${g}`).toBe(true);
    }
  });

  it('adds groups no role names, which hold every human account', () => {
    const okta = org.snapshot.providers['okta-main']!;
    const everyone = okta.groups.find((g) => g.name === 'Everyone');
    expect(everyone?.members.length).toBe(okta.accounts.filter((a) => rows.get(a.login)?.employment_type !== 'service').length);
    expect(org.documents.some((d) => d.kind === 'RoleProfile' && d.spec.grants.some((g) => g.group === 'Everyone'))).toBe(false);
  });

  it('writes documents, roster rows, connections and snapshot the schemas accept', () => {
    const check = schemaChecker();
    const schemaOf = { Config: 'config', RoleProfile: 'role-profile', RoleAssignment: 'role-assignment', LifecycleRule: 'lifecycle-rule', Exception: 'exception' };
    const problems = [
      ...org.documents.flatMap((d) => check(`${schemaOf[d.kind]}.schema.json`, d)),
      ...org.roster.slice(0, 500).flatMap((r) => check('person.schema.json', r)),
      ...check('snapshot.schema.json', org.snapshot),
    ];
    const config = org.documents.find((d) => d.kind === 'Config');
    for (const c of Object.values(config?.kind === 'Config' ? config.spec.providers : {})) problems.push(...check(`provider-${c.type}`, c));
    expect(problems).toEqual([]);
  });

  it('refuses what it cannot build', () => {
    expect(() => generateOrg({ people: 0, providers: FIVE, now: NOW })).toThrow(RangeError);
    expect(() => generateOrg({ people: 100, providers: FIVE, now: NOW, story: true })).toThrow(/200 people/);
    expect(() => generateOrg({ people: 10, providers: [...FIVE, FIVE[0]!], now: NOW })).toThrow(/twice/);
    expect(() => generateOrg({ people: 10, providers: FIVE, now: new Date('nonsense') })).toThrow(RangeError);
  });

  it('builds tiny organisations too', () => {
    const tiny = generateOrg({ people: 3, providers: FIVE, now: NOW });
    expect(tiny.roster).toHaveLength(3);
    expect(tiny.roster.filter((r) => !r.manager_email)).toHaveLength(1);
  });
});

describe('generateOrg at scale', () => {
  // The benchmark runs 100,000 people; this keeps the same shape at a size a test affords.
  it('generates 20,000 people across five providers with linear sizes', () => {
    const big = generateOrg({ people: 20_000, providers: FIVE, now: NOW, seed: 1 });
    expect(big.roster).toHaveLength(20_000);
    const holding = big.roster.filter((r) => r.status !== 'terminated' || Date.parse(String(r.end_date)) > NOW.getTime() - 6 * 86_400_000).length;
    for (const name of ['okta', 'gws', 'entra', 'zendesk']) {
      const accounts = big.snapshot.providers[name]?.accounts.length ?? 0;
      expect(accounts, name).toBeGreaterThan(holding * 0.95);
      expect(accounts, name).toBeLessThanOrEqual(holding);
    }
    const vpn = big.inventories['vpn'];
    expect(vpn?.accounts.length).toBe(big.snapshot.providers['vpn']?.accounts.length);
    expect(vpn?.accounts.length).toBeGreaterThan(0);
  });
});
