import { describe, expect, it } from 'vitest';
import { aWorld, changeLines } from './world.js';

/** A terminated person with accounts in Okta (primary and alias) and Google. */
function leaverWorld(endDate = '2026-11-21') {
  return aWorld()
    .withProvider('okta', 'okta')
    .withProvider('gws', 'google')
    .withLeaverRule()
    .withRole('eng', [
      ['okta', 'Engineering'],
      ['gws', 'eng@acme.com'],
    ])
    .withAssignment('eng-team', { roles: ['eng'], select: { department: 'Engineering' } })
    .withPerson({ email: 'bob@acme.com', endDate, aliases: ['robert.old@acme.com'], manager: 'carol@acme.com' })
    .withPerson({ email: 'carol@acme.com' })
    .withAccount('okta', { login: 'bob@acme.com' })
    .withAccount('okta', { login: 'robert.old@acme.com' })
    .withAccount('okta', { login: 'carol@acme.com' })
    .withAccount('gws', { login: 'bob@acme.com' })
    .withAccount('gws', { login: 'carol@acme.com' })
    .withGroup('okta', 'Engineering', ['bob@acme.com', 'carol@acme.com'])
    .withGroup('okta', 'All Staff', ['bob@acme.com', 'robert.old@acme.com', 'carol@acme.com'])
    .withGroup('gws', 'eng@acme.com', ['bob@acme.com', 'carol@acme.com']);
}

describe('planning a leaver', () => {
  it('contains every account, including one under an alias, before removing groups', () => {
    const plan = leaverWorld().plan();
    expect(changeLines(plan)).toEqual([
      'revoke_sessions gws bob@acme.com',
      'suspend gws bob@acme.com',
      'revoke_tokens gws bob@acme.com',
      'reset_factors gws bob@acme.com',
      'revoke_sessions okta bob@acme.com',
      'revoke_sessions okta robert.old@acme.com',
      'suspend okta bob@acme.com',
      'suspend okta robert.old@acme.com',
      'revoke_tokens okta bob@acme.com',
      'revoke_tokens okta robert.old@acme.com',
      'reset_factors okta bob@acme.com',
      'reset_factors okta robert.old@acme.com',
      'remove_member gws bob@acme.com [eng@acme.com]',
      'remove_member okta bob@acme.com [All Staff]',
      'remove_member okta bob@acme.com [Engineering]',
      'remove_member okta robert.old@acme.com [All Staff]',
    ]);
    for (const c of plan.changes) {
      expect(c.person).toBe('bob@acme.com');
      expect(c.reason).toMatchObject({ kind: 'lifecycle', rule: 'LifecycleRule/leaver', trigger: 'terminated', triggerAt: '2026-11-21T00:00:00.000Z' });
      expect(c.reason.source).toBe('lifecycle.yaml:1');
    }
    const suspend = plan.changes.find((c) => c.action === 'suspend')!;
    expect(suspend.precondition).toEqual({ accountStatus: ['active'] });
    const sessions = plan.changes.find((c) => c.action === 'revoke_sessions')!;
    expect(sessions.precondition).toEqual({ notDoneSince: '2026-11-21T00:00:00.000Z' });
  });

  it('reports the former employee with access and the ghost account', () => {
    const plan = leaverWorld().plan();
    const kinds = plan.findings.map((f) => `${f.kind} ${f.provider} ${f.account?.login}`);
    expect(kinds).toContain('former_with_access okta robert.old@acme.com');
    expect(kinds).toContain('ghost_account okta robert.old@acme.com');
    expect(plan.findings.find((f) => f.kind === 'former_with_access')!.days).toBe(1);
  });

  it('plans nothing before the end date, and keeps the person entitled until then', () => {
    const plan = leaverWorld('2026-11-30').plan();
    expect(plan.changes).toEqual([]);
  });

  it('transfers ownership after 7 days: through the API where the provider can, as a task where it cannot', () => {
    const w = leaverWorld('2026-11-10');
    for (const a of w.snapshot.providers.okta!.accounts) if (a.login !== 'carol@acme.com') a.status = 'suspended';
    w.snapshot.providers.gws!.accounts[0]!.status = 'suspended';
    const plan = w.plan();
    const transfer = plan.changes.find((c) => c.action === 'transfer_ownership')!;
    expect(transfer).toMatchObject({ provider: 'gws', transferTo: 'carol@acme.com' });
    const task = plan.changes.find((c) => c.action === 'task' && c.task?.action === 'transfer_ownership' && c.target.account?.login === 'bob@acme.com')!;
    expect(task.provider).toBe('okta');
    expect(task.task!.instructions).toContain('to carol@acme.com');
    expect(plan.changes.some((c) => c.action === 'suspend')).toBe(false);
  });

  it('deletes after 30 days only accounts already suspended, with approval for the privileged tier', () => {
    const w = leaverWorld('2026-10-01').withRole('admin', [['okta', 'Okta Admins']], 'privileged');
    w.withAssignment('admins', { roles: ['admin'], people: ['bob@acme.com'] });
    w.withGroup('okta', 'Okta Admins', []);
    w.snapshot.providers.okta!.accounts[0]!.status = 'suspended';
    const plan = w.plan();
    const deletes = plan.changes.filter((c) => c.action === 'delete');
    expect(deletes.map((c) => `${c.provider} ${c.target.account!.login}`)).toEqual(['okta bob@acme.com']);
    expect(deletes[0]!.requiresApproval).toBe(true);
    expect(deletes[0]!.tier).toBe('privileged');
    expect(deletes[0]!.precondition).toEqual({ accountStatus: ['suspended', 'deprovisioned'] });
    expect(plan.changes.find((c) => c.action === 'suspend' && c.target.account!.login === 'robert.old@acme.com')).toBeDefined();
  });

  it('does not repeat effects the journal records as done since the termination', () => {
    const first = leaverWorld().plan();
    const done = new Set(first.changes.filter((c) => c.precondition.notDoneSince).map((c) => c.id));
    const plan = leaverWorld().plan({
      history: {
        doneSince: (id, since) => done.has(id) && since === Date.parse('2026-11-21'),
        openTasks: () => [],
        firstTriggerFor: () => undefined,
        attested: () => false,
        interrupted: () => [],
      },
    });
    expect(plan.changes.map((c) => c.action)).not.toContain('revoke_sessions');
    expect(plan.changes.map((c) => c.action)).toContain('suspend');
  });

  it('gives a contractor whose contract ended the contract_end rule, and nothing before it ends', () => {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRule('contractor-end', { trigger: 'contract_end', stages: [{ after: '0h', actions: ['suspend'] }] })
      .withPerson({ email: 'kim@vendor.com', employmentType: 'contractor', status: 'active', endDate: '2026-11-20' })
      .withPerson({ email: 'lee@vendor.com', employmentType: 'contractor', status: 'active', endDate: '2027-01-20' })
      .withAccount('okta', { login: 'kim@vendor.com' })
      .withAccount('okta', { login: 'lee@vendor.com' });
    const plan = w.plan();
    expect(changeLines(plan)).toEqual(['suspend okta kim@vendor.com']);
    expect(plan.changes[0]!.reason.trigger).toBe('contract_end');
  });

  it('turns every action of a manual app into a task for its owner', () => {
    const w = aWorld()
      .withProvider('vpn', 'manual', { owner: 'netops@acme.com' })
      .withLeaverRule()
      .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
      .withAccount('vpn', { login: 'bob@acme.com' })
      .withGroup('vpn', 'VPN Users', ['bob@acme.com']);
    const plan = w.plan();
    expect(plan.changes.every((c) => c.action === 'task' && c.task!.owner === 'netops@acme.com')).toBe(true);
    expect(plan.changes.map((c) => c.task!.action)).toEqual(['revoke_sessions', 'suspend', 'revoke_tokens', 'reset_factors', 'remove_member']);
  });
});
