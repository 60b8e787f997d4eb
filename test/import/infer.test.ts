import { describe, expect, it } from 'vitest';
import { inferPolicy, type ImportInput } from '../../src/import/infer.js';
import { renderImportReport } from '../../src/import/report.js';
import { roleName, slug } from '../../src/import/names.js';
import type { ConfigDocument, ObservedAccount, ObservedGroup, Snapshot } from '../../src/types/index.js';
import { rosterPerson } from '../support/person.js';

const NOW = new Date('2026-11-20T09:00:00Z');
const config: ConfigDocument = {
  apiVersion: 'lockstep.dev/v1',
  kind: 'Config',
  metadata: { name: 'acme' },
  spec: { people: { file: 'hr/people.yaml', format: 'yaml' }, domains: ['acme.com'], providers: { okta: { type: 'okta' }, gws: { type: 'google' } } },
};
const people = [
  rosterPerson({ employeeId: 'E1', email: 'ana@acme.com', department: 'Sales', title: 'AE' }),
  rosterPerson({ employeeId: 'E2', email: 'bo@acme.com', department: 'Sales', title: 'AE' }),
  rosterPerson({ employeeId: 'E3', email: 'cy@acme.com', department: 'Sales', title: 'SDR' }),
  rosterPerson({ employeeId: 'E4', email: 'di@acme.com', department: 'IT', title: 'Admin' }),
  rosterPerson({ employeeId: 'E5', email: 'ed@acme.com', department: 'IT', title: 'Admin' }),
];
const accounts: ObservedAccount[] = [
  ...people.map((p, i) => ({ id: `u${i}`, login: p.email, status: 'active' as const })),
  { id: 'x', login: 'ext@vendor.example', status: 'active' },
];
const group = (name: string, members: string[]): ObservedGroup => ({ id: name, name, members });
const snapshot: Snapshot = {
  formatVersion: '1.0',
  observedAt: NOW.toISOString(),
  providers: {
    okta: {
      type: 'okta',
      accounts,
      groups: [group('Sales', ['u0', 'u1', 'u2']), group('Okta Admins', ['u3', 'u4']), group('Pilot', ['u0', 'u3']), group('Vendors', ['u0', 'x'])],
    },
    gws: { type: 'google', accounts, groups: [group('sales@acme.com', ['u0', 'u1', 'u2']), group('pilot@acme.com', ['u0', 'u3']), group('Sales', ['u2'])] },
  },
};
const input: ImportInput = { config, people, snapshot, now: NOW, rosterFile: 'people.yaml' };

describe('inferPolicy', () => {
  const result = inferPolicy(input);

  it('writes one role per managed group and shares an assignment among the roles one selector explains', () => {
    expect(result.roles.map((r) => r.metadata.name)).toEqual(['okta.sales', 'okta.okta-admins', 'okta.pilot', 'gws.sales', 'gws.pilot', 'gws.sales-2']);
    expect(result.roles.map((r) => r.spec.grants)).toContainEqual([{ provider: 'gws', group: 'sales@acme.com' }]);
    const bySelector = result.assignments.filter((a) => a.spec.select);
    expect(bySelector.map((a) => [a.metadata.name, a.spec.select, a.spec.roles])).toEqual([['dept-sales', { department: 'Sales' }, ['gws.sales', 'okta.sales']]]);
  });

  it('lists by name what no exact selector explains, one assignment per list, and administrators always by name', () => {
    const lists = result.assignments.filter((a) => a.spec.people);
    expect(lists.map((a) => [a.metadata.name, a.spec.people, a.spec.roles])).toEqual([
      ['people.gws.pilot', ['ana@acme.com', 'di@acme.com'], ['gws.pilot', 'okta.pilot']],
      ['people.gws.sales-2', ['cy@acme.com'], ['gws.sales-2']],
      ['people.okta.okta-admins', ['di@acme.com', 'ed@acme.com'], ['okta.okta-admins']],
    ]);
    // "department: IT" is exact for Okta Admins, but a privileged group is never given by an attribute.
    expect(result.roles.find((r) => r.metadata.name === 'okta.okta-admins')?.spec.tier).toBe('privileged');
    expect(result.findings.explicitOnly.get('di@acme.com')).toEqual(['okta.okta-admins', 'okta.pilot', 'gws.pilot']);
  });

  it('leaves a group with an account outside the roster and the company domains unmanaged, and reports it', () => {
    expect(result.findings.skipped).toEqual([{ provider: 'okta', group: 'Vendors', accounts: 2, reason: 'outside_accounts' }]);
    // The vendor's account in Google is in no group, and still reported.
    expect(result.findings.unmatched).toEqual([
      { provider: 'gws', login: 'ext@vendor.example', status: 'active', orphan: false, groups: [] },
      { provider: 'okta', login: 'ext@vendor.example', status: 'active', orphan: false, groups: ['Vendors'] },
    ]);
    const report = renderImportReport(result, {
      source: 'the snapshot s.json',
      observedAt: NOW.toISOString(),
      roster: 'hr/people.yaml',
      now: NOW.toISOString(),
      limit: 1,
      more: 'see IMPORT.md',
    });
    expect(report).toContain('| okta | Vendors | 2 | accounts outside the company domains match no person: managing it would remove them |');
    expect(report).toContain('| gws | ext@vendor.example | active | outside the company domains | (none) |');
    expect(report).toContain('… and 3 more (see IMPORT.md).'); // ana, cy, di and ed: one row shown
    expect(report).toContain('- 7 groups in 2 providers: 6 managed (one RoleProfile each), 1 left unmanaged.');
  });

  it('keeps the Config, naming the copied roster; a roster given instead is read by its extension', () => {
    expect(result.config.spec.people).toEqual({ file: 'people.yaml', format: 'yaml' });
    expect(result.config.spec.providers).toEqual(config.spec.providers);
    expect(inferPolicy({ ...input, rosterFile: 'other.csv', keepRosterFormat: false }).config.spec.people).toEqual({ file: 'other.csv' });
    expect(result.lifecycleRules.map((r) => [r.metadata.name, r.spec.trigger, r.spec.stages[0].actions])).toEqual([
      ['leaver', 'terminated', ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups']],
      ['contractor-end', 'contract_end', ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups']],
    ]);
  });

  it('chooses providers and groups', () => {
    const only = inferPolicy({ ...input, providers: ['gws'], selectGroup: (n) => n.includes('@') });
    expect(only.roles.map((r) => r.metadata.name)).toEqual(['gws.sales', 'gws.pilot']);
    expect(only.findings.skipped).toEqual([]);
  });
});

describe('names', () => {
  it('makes metadata names from any group name', () => {
    expect(slug('Team / Engineering (EU)')).toBe('team-engineering-eu');
    expect(slug('***')).toBe('x');
    expect(roleName('prod', 'team-a/rolebinding/edit', [])).toBe('prod.team-a-rolebinding-edit');
    expect(roleName('gws', 'sales@acme.com', ['acme.com'])).toBe('gws.sales');
    expect(roleName('gws', 'sales@partner.com', ['acme.com'])).toBe('gws.sales-partner.com');
  });
});
