import { describe, expect, it } from 'vitest';
import { aWorld, changeLines } from './world.js';

function salesWorld() {
  return aWorld()
    .withProvider('okta', 'okta')
    .withRole('sales', [['okta', 'Salesforce Users']])
    .withAssignment('sales-team', { roles: ['sales'], select: { department: 'Sales', employmentType: ['employee', 'contractor'] } })
    .withPerson({ email: 'ann@acme.com', department: 'Sales' })
    .withPerson({ email: 'ben@acme.com', department: 'Sales' })
    .withPerson({ email: 'eve@acme.com', department: 'Finance' })
    .withAccount('okta', { login: 'ann@acme.com' })
    .withAccount('okta', { login: 'ben@acme.com' })
    .withAccount('okta', { login: 'eve@acme.com' });
}

describe('managed groups', () => {
  it('adds entitled people and removes members without an entitlement', () => {
    const w = salesWorld().withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'eve@acme.com']).withGroup('okta', 'Unmanaged', ['eve@acme.com']);
    const plan = w.plan();
    expect(changeLines(plan)).toEqual(['remove_member okta eve@acme.com [Salesforce Users]', 'add_member okta ben@acme.com [Salesforce Users]']);
    const add = plan.changes[1]!;
    expect(add).toMatchObject({ widensAccess: true, reason: { kind: 'policy', rule: 'RoleProfile/sales' }, precondition: { member: false, accountStatus: ['active'] } });
    expect(add.reason.detail).toContain('RoleAssignment/sales-team');
    expect(plan.changes[0]!.reason).toMatchObject({ kind: 'drift', rule: 'RoleProfile/sales' });
  });

  it('never adds anyone to an unmanaged group and leaves its members alone', () => {
    const w = salesWorld().withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'ben@acme.com']).withGroup('okta', 'All Staff', ['eve@acme.com']);
    expect(w.plan().changes).toEqual([]);
    expect(w.plan().findings).toEqual([]);
  });

  it('matches a selector list as any of its values, every key as all of them', () => {
    const w = salesWorld().withPerson({ email: 'cat@acme.com', department: 'sales', employmentType: 'service' }).withAccount('okta', { login: 'cat@acme.com' });
    w.withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'ben@acme.com']);
    expect(w.plan().changes).toEqual([]);
  });

  it('keeps a membership an unexpired exception covers, and removes it once expired', () => {
    const w = salesWorld().withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'ben@acme.com', 'eve@acme.com']);
    w.withException('eve-sf', { person: 'eve@acme.com', grants: [{ provider: 'okta', group: 'Salesforce Users' }], reason: 'quarter close', expires: '2026-11-30' });
    const live = w.plan();
    expect(live.changes).toEqual([]);
    expect(live.findings.map((f) => f.kind)).toEqual(['exception_expiring']);
    const later = w.plan({ now: '2026-12-01T00:00:00Z' });
    expect(changeLines(later)).toEqual(['remove_member okta eve@acme.com [Salesforce Users]']);
    expect(later.changes[0]!.reason).toMatchObject({ kind: 'exception_expired', rule: 'Exception/eve-sf' });
    expect(later.findings.map((f) => f.kind)).toContain('exception_expired');
  });

  it('an exception on a day holds through that whole day (UTC)', () => {
    const w = salesWorld().withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'ben@acme.com', 'eve@acme.com']);
    w.withException('eve-sf', { person: 'eve@acme.com', grants: [{ provider: 'okta', group: 'Salesforce Users' }], reason: 'r', expires: '2026-11-30' });
    expect(w.plan({ now: '2026-11-30T23:59:59Z' }).changes).toEqual([]);
  });

  it('an expired assignment grants nothing', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRole('temp', [['okta', 'Project X']])
      .withAssignment('project', { roles: ['temp'], people: ['ann@acme.com'], expires: '2026-11-01' })
      .withPerson({ email: 'ann@acme.com' })
      .withAccount('okta', { login: 'ann@acme.com' })
      .withGroup('okta', 'Project X', ['ann@acme.com']);
    expect(changeLines(w.plan())).toEqual(['remove_member okta ann@acme.com [Project X]']);
  });

  it('never removes a protected account, and says so', () => {
    const w = salesWorld()
      .withConfig({ protected: [{ provider: '*', login: 'breakglass@acme.com' }] })
      .withAccount('okta', { login: 'breakglass@acme.com' })
      .withGroup('okta', 'Salesforce Users', ['ann@acme.com', 'ben@acme.com', 'breakglass@acme.com']);
    const plan = w.plan();
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => f.kind).sort()).toEqual(['orphan', 'protected_account']);
  });

  it('adds to the primary active account, not an alias or a suspended one', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRole('r', [['okta', 'G']])
      .withAssignment('a', { roles: ['r'], people: ['ann@acme.com'] })
      .withPerson({ email: 'ann@acme.com', aliases: ['ann.old@acme.com'] })
      .withAccount('okta', { login: 'ann.old@acme.com' })
      .withAccount('okta', { login: 'ann@acme.com' })
      .withGroup('okta', 'G', []);
    expect(changeLines(w.plan())).toEqual(['add_member okta ann@acme.com [G]']);
    w.snapshot.providers.okta!.accounts[1]!.status = 'suspended';
    expect(changeLines(w.plan())).toEqual(['add_member okta ann.old@acme.com [G]']);
  });

  it('reports an entitled person with no account, and a suspended account of an active person as a possible rehire', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRole('r', [['okta', 'G']])
      .withAssignment('a', { roles: ['r'], people: ['ann@acme.com', 'ben@acme.com'] })
      .withPerson({ email: 'ann@acme.com' })
      .withPerson({ email: 'ben@acme.com' })
      .withAccount('okta', { login: 'ben@acme.com', status: 'suspended' })
      .withGroup('okta', 'G', []);
    const plan = w.plan();
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => `${f.kind} ${f.person}`).sort()).toEqual(['no_account ann@acme.com', 'rehire ben@acme.com']);
  });
});
