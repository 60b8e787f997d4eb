import { describe, expect, it } from 'vitest';
import { aWorld, changeLines } from './world.js';

describe('orphans and dormant accounts', () => {
  it('reports an account in a company domain that matches nobody, and ignores outside domains', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withPerson({ email: 'ann@acme.com' })
      .withAccount('okta', { login: 'ann@acme.com' })
      .withAccount('okta', { login: 'temp.admin@acme.com' })
      .withAccount('okta', { login: 'guest@partner.io' });
    const plan = w.plan();
    expect(plan.findings.map((f) => `${f.kind} ${f.account?.login} ${f.severity}`)).toEqual(['orphan temp.admin@acme.com high']);
    expect(plan.changes).toEqual([]);
  });

  it('an orphan rule suspends the orphan with reason kind orphan', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRule('orphans', {
        trigger: 'orphan',
        stages: [
          { after: '0h', actions: ['suspend'] },
          { after: '30d', actions: ['delete'] },
        ],
      })
      .withAccount('okta', { login: 'temp.admin@acme.com' });
    const plan = w.plan();
    expect(changeLines(plan)).toEqual(['suspend okta temp.admin@acme.com']);
    expect(plan.changes[0]!.reason).toMatchObject({ kind: 'orphan', rule: 'LifecycleRule/orphans', trigger: 'orphan' });
    expect(plan.changes[0]!.person).toBeNull();
  });

  it('matches accounts by employee id and by email case-insensitively', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withPerson({ email: 'Ann@Acme.com', employeeId: 'E7' })
      .withAccount('okta', { login: 'ANN@acme.com' })
      .withAccount('okta', { login: 'a.smith@acme.com', externalId: 'E7', emails: [] });
    expect(w.plan().findings).toEqual([]);
  });

  it('flags dormant accounts and suspends them 14 days after they go inactive', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRule('dormant', {
        trigger: 'inactive',
        inactiveDays: 90,
        stages: [
          { after: '0h', actions: ['flag'] },
          { after: '14d', actions: ['suspend'] },
        ],
      })
      .withPerson({ email: 'ann@acme.com' })
      .withPerson({ email: 'ben@acme.com' })
      .withAccount('okta', { login: 'ann@acme.com', lastLoginAt: '2026-08-01T00:00:00Z' })
      .withAccount('okta', { login: 'ben@acme.com', lastLoginAt: '2026-08-20T00:00:00Z' });
    const plan = w.plan();
    expect(plan.findings.map((f) => `${f.kind} ${f.person} ${f.days}`)).toEqual(['dormant ann@acme.com 113', 'dormant ben@acme.com 94']);
    expect(changeLines(plan)).toEqual(['suspend okta ann@acme.com']);
    expect(plan.changes[0]!.reason.triggerAt).toBe('2026-10-30T00:00:00.000Z');
  });

  it('reports a terminated person without an end date and treats them as terminated now', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRule('leaver', { trigger: 'terminated', stages: [{ after: '0h', actions: ['suspend'] }] })
      .withPerson({ email: 'ann@acme.com', status: 'terminated' })
      .withAccount('okta', { login: 'ann@acme.com' });
    const plan = w.plan();
    expect(changeLines(plan)).toEqual(['suspend okta ann@acme.com']);
    expect(plan.findings.map((f) => f.kind)).toContain('roster');
  });
});

describe('plans are reproducible', () => {
  it('gives the same changes, ids, order and checksum for the same inputs', () => {
    const build = () =>
      aWorld()
        .withProvider('okta', 'okta')
        .withLeaverRule()
        .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
        .withAccount('okta', { login: 'bob@acme.com', id: 'u1' })
        .withGroup('okta', 'G', ['bob@acme.com'])
        .plan();
    const a = build();
    const b = build();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.changes.map((c) => c.id)).toEqual(b.changes.map((c) => c.id));
  });

  it('the checksum ignores createdAt and changes with any planned content', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
      .withLeaverRule()
      .withAccount('okta', { login: 'bob@acme.com' });
    const a = w.plan();
    const b = w.plan({ now: '2026-11-22T09:00:01Z' });
    expect(a.checksum).not.toBe(b.checksum);
  });
});

describe('finding messages count in the right number', () => {
  it('"left 1 day ago", "membership of 1 group", "for 1 day", "in 1 day"', () => {
    // now is 2026-11-22T09:00Z
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withConfig({ findings: { dormantDays: 0 } })
      .withException('ends', { person: 'dan@acme.com', grants: [{ provider: 'okta', group: 'G' }], reason: 'case', expires: '2026-11-23T09:00:00Z' })
      .withPerson({ email: 'ann@acme.com', endDate: '2026-11-21T09:00:00Z' })
      .withPerson({ email: 'bea@acme.com', endDate: '2026-11-21T09:00:00Z' })
      .withPerson({ email: 'cy@acme.com' })
      .withPerson({ email: 'dan@acme.com' })
      .withAccount('okta', { login: 'ann@acme.com' })
      .withAccount('okta', { login: 'bea@acme.com', status: 'suspended' })
      .withAccount('okta', { login: 'cy@acme.com', lastLoginAt: '2026-11-21T08:00:00Z' })
      .withGroup('okta', 'G', ['bea@acme.com']);
    const messages = w.plan().findings.map((f) => f.message);
    expect(messages).toContain('ann@acme.com left 1 day ago and still holds an active account in okta (ann@acme.com)');
    expect(messages).toContain('bea@acme.com left 1 day ago and still holds membership of 1 group in okta (bea@acme.com)');
    expect(messages).toContain('cy@acme.com in okta has not signed in for 1 day');
    expect(messages.some((m) => m.endsWith('(in 1 day)'))).toBe(true);
    expect(messages.join('\n')).not.toMatch(/\b1 (days|groups)\b|group\(s\)/);
  });
});
