import { describe, expect, it } from 'vitest';
import { aWorld, changeLines } from './world.js';

function scimLeaver(extra: Record<string, unknown> = {}) {
  return aWorld()
    .withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2', owner: 'apps@acme.com', ...extra })
    .withLeaverRule()
    .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
    .withAccount('app', { login: 'bob@acme.com' })
    .plan();
}

describe('what a SCIM app cannot do becomes a task for its owner', () => {
  it('plans sessions, tokens and factors as owner tasks by default', () => {
    const plan = scimLeaver();
    expect(changeLines(plan)).toEqual([
      'task:revoke_sessions app bob@acme.com',
      'suspend app bob@acme.com',
      'task:revoke_tokens app bob@acme.com',
      'task:reset_factors app bob@acme.com',
    ]);
    for (const c of plan.changes.filter((x) => x.action === 'task')) {
      expect(c.task!.owner).toBe('apps@acme.com');
      expect(c.precondition).toEqual({ notDoneSince: '2026-11-21T00:00:00.000Z' });
    }
  });

  it('treats them as covered by deactivation when the connection says so', () => {
    expect(changeLines(scimLeaver({ deactivationEndsSessions: true }))).toEqual(['suspend app bob@acme.com']);
  });

  it('never plans what means nothing for a provider (Kubernetes has no sessions)', () => {
    const plan = aWorld()
      .withProvider('k8s', 'kubernetes')
      .withLeaverRule()
      .withRole('dev', [['k8s', 'team-dev/rolebinding/edit']])
      .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
      .withAccount('k8s', { login: 'bob@acme.com' })
      .withGroup('k8s', 'team-dev/rolebinding/edit', ['bob@acme.com'])
      .plan();
    expect(changeLines(plan)).toEqual(['suspend k8s bob@acme.com', 'remove_member k8s bob@acme.com [team-dev/rolebinding/edit]']);
  });

  it('changes only the Kubernetes bindings the policy manages, and reports the others', () => {
    const world = () =>
      aWorld()
        .withProvider('k8s', 'kubernetes')
        .withLeaverRule()
        .withRole('dev', [['k8s', 'team-dev/rolebinding/edit']])
        .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21' })
        .withAccount('k8s', { login: 'bob@acme.com' });
    const both = world().withGroup('k8s', 'team-dev/rolebinding/edit', ['bob@acme.com']).withGroup('k8s', 'clusterrolebinding/ops-debug', ['bob@acme.com']).plan();
    expect(changeLines(both)).toEqual(['suspend k8s bob@acme.com', 'remove_member k8s bob@acme.com [team-dev/rolebinding/edit]']);
    // Once out of every managed binding, nothing more is planned; the unmanaged one stays a finding.
    const unmanagedOnly = world().withGroup('k8s', 'clusterrolebinding/ops-debug', ['bob@acme.com']).plan();
    expect(unmanagedOnly.changes).toEqual([]);
    expect(unmanagedOnly.findings.map((f) => f.kind)).toContain('former_with_access');
  });
});
