import { describe, expect, it } from 'vitest';
import type { ChangeOutcome } from '../../src/apply/report.js';
import { containmentByPerson } from '../../src/controller/containment.js';
import { withApplied } from '../../src/controller/known-state.js';
import { providerHosts } from '../../src/controller/metrics.js';
import type { PlanChange, Snapshot } from '../../src/types/index.js';
import { aChange } from '../support/changes.js';

const snapshot: Snapshot = {
  formatVersion: '1.0',
  observedAt: '2026-11-20T00:00:00Z',
  providers: {
    okta: {
      type: 'okta',
      accounts: [
        { id: 'u1', login: 'ann@acme.com', status: 'active', tokens: 3 },
        { id: 'u2', login: 'bo@acme.com', status: 'active' },
      ],
      groups: [{ id: 'g1', name: 'Sales', members: ['u1', 'u2'] }],
    },
  },
};
const change = (action: PlanChange['action'], extra: Partial<PlanChange> = {}): PlanChange =>
  aChange({
    action,
    provider: 'okta',
    target: { account: { id: 'u1', login: 'ann@acme.com' }, ...(action === 'remove_member' ? { group: { id: 'g1', name: 'Sales' } } : {}) },
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: '', trigger: 'terminated', triggerAt: '2026-11-19T00:00:00Z' },
    widensAccess: false,
    ...extra,
  });
const outcome = (c: PlanChange, result: ChangeOutcome['result']): ChangeOutcome => ({ change: c, result });

describe('what the controller knows between cycles', () => {
  it('writes confirmed changes into a copy of the snapshot, leaving failed ones and the original alone', () => {
    const next = withApplied(snapshot, [outcome(change('suspend'), 'ok'), outcome(change('remove_member'), 'already'), outcome(change('revoke_tokens'), 'failed')]);
    const okta = next.providers.okta!;
    expect(okta.accounts.find((a) => a.id === 'u1')).toMatchObject({ status: 'suspended', tokens: 3 });
    expect(okta.groups[0]!.members).toEqual(['u2']);
    expect(snapshot.providers.okta!.accounts[0]!.status).toBe('active');
    expect(snapshot.providers.okta!.groups[0]!.members).toEqual(['u1', 'u2']);
  });

  it('confirms a person contained only when every containment change succeeded', () => {
    const done = containmentByPerson([outcome(change('suspend'), 'ok'), outcome(change('remove_member', { tier: 'privileged' }), 'already')]);
    expect(done.get('ann@acme.com')).toEqual({ person: 'ann@acme.com', confirmed: true, tier: 'privileged', triggerAtMs: Date.parse('2026-11-19T00:00:00Z') });
    const partial = containmentByPerson([outcome(change('suspend'), 'ok'), outcome(change('revoke_sessions'), 'failed')]);
    expect(partial.get('ann@acme.com')?.confirmed).toBe(false);
    const drift = containmentByPerson([outcome(change('remove_member', { reason: { rule: 'x', kind: 'drift', detail: '' } }), 'ok')]);
    expect(drift.size).toBe(0);
  });

  it('maps provider API hosts from Config connections, never their credentials', () => {
    const hosts = providerHosts({
      okta: { type: 'okta', orgUrl: 'https://acme.okta.com', token: 'secret' },
      app: { type: 'scim', baseUrl: 'http://127.0.0.1:4010/scim/v2' },
    });
    expect([...hosts]).toEqual([
      ['acme.okta.com:443', 'okta'],
      ['127.0.0.1:4010', 'app'],
    ]);
  });
});
