import { describe, expect, it } from 'vitest';
import { checkPrecondition, type PreconditionContext } from '../../src/apply/precondition.js';
import { EMPTY_HISTORY } from '../../src/journal/history.js';
import { aChange } from '../support/changes.js';
import type { ObservedProvider } from '../../src/types/index.js';

const observed: ObservedProvider = {
  type: 'okta',
  accounts: [
    { id: '00u1', login: 'alice@acme.com', status: 'active', tokens: 0, factors: 2 },
    { id: '00u2', login: 'bob@acme.com', status: 'deprovisioned' },
  ],
  groups: [{ id: '00g1', name: 'Sales', members: ['00u1'] }],
};
const ctx: PreconditionContext = { history: EMPTY_HISTORY, unobservable: new Set(['revoke_sessions']), fallbackSinceMs: 0 };
const alice = { id: '00u1', login: 'alice@acme.com' };
const bob = { id: '00u2', login: 'bob@acme.com' };
const sales = { id: '00g1', name: 'Sales' };

describe('checkPrecondition', () => {
  it.each([
    ['suspend of a deprovisioned account', 'already', aChange({ action: 'suspend', target: { account: bob }, precondition: { accountStatus: ['active'] } })],
    ['revoke_tokens with no tokens left', 'already', aChange({ action: 'revoke_tokens', target: { account: alice } })],
    ['reset_factors with factors enrolled', 'apply', aChange({ action: 'reset_factors', target: { account: alice } })],
    ['remove_member of a member', 'apply', aChange({ action: 'remove_member', target: { account: alice, group: sales }, precondition: { member: true } })],
    [
      'add_member of a deprovisioned account',
      'stale',
      aChange({ action: 'add_member', target: { account: bob, group: sales }, precondition: { accountStatus: ['active'], member: false } }),
    ],
    ['a group that is gone', 'stale', aChange({ action: 'remove_member', target: { account: alice, group: { id: '00g9', name: 'Old' } } })],
    ['member precondition no longer true', 'stale', aChange({ action: 'transfer_ownership', target: { account: alice, group: sales }, precondition: { member: false } })],
    ['delete of an active account', 'stale', aChange({ action: 'delete', target: { account: alice }, precondition: { accountStatus: ['suspended'] } })],
  ])('%s → %s', (_name, verdict, change) => {
    expect(checkPrecondition(change, observed, ctx).verdict).toBe(verdict);
  });

  it('an unobservable effect is read from the journal: notDoneSince, or the plan creation time without it', () => {
    const done = { ...EMPTY_HISTORY, doneSince: (_id: string, since: number) => since <= Date.parse('2026-11-21T00:00:00Z') };
    const withSince = aChange({ action: 'reset_factors', target: { account: alice }, precondition: { notDoneSince: '2026-11-20T00:00:00Z' } });
    expect(checkPrecondition(withSince, observed, { ...ctx, history: done }).verdict).toBe('already');
    const later = aChange({ action: 'reset_factors', target: { account: alice }, precondition: { notDoneSince: '2026-11-22T00:00:00Z' } });
    expect(checkPrecondition(later, observed, { ...ctx, history: done }).verdict).toBe('apply');
    const noSince = aChange({ action: 'revoke_sessions', target: { account: alice } });
    expect(checkPrecondition(noSince, observed, { ...ctx, history: done, fallbackSinceMs: Date.parse('2026-11-20T00:00:00Z') }).verdict).toBe('already');
    expect(checkPrecondition(noSince, observed, { ...ctx, history: done, fallbackSinceMs: Date.parse('2026-11-23T00:00:00Z') }).verdict).toBe('apply');
  });

  it('an observation of the accounts only: a group missing from it is one they are not in, not a group that is gone', () => {
    const only = { ...ctx, accountsOnly: true };
    const old = { id: '00g9', name: 'Old' };
    expect(checkPrecondition(aChange({ action: 'remove_member', target: { account: alice, group: old }, precondition: { member: true } }), observed, only)).toEqual({
      verdict: 'already',
      detail: 'alice@acme.com is not a member',
    });
    expect(checkPrecondition(aChange({ action: 'add_member', target: { account: alice, group: old }, precondition: { member: false } }), observed, only).verdict).toBe(
      'apply',
    );
    expect(
      checkPrecondition(aChange({ action: 'remove_member', target: { account: alice, group: sales }, precondition: { member: true } }), observed, only).verdict,
    ).toBe('apply');
    expect(checkPrecondition(aChange({ action: 'remove_member', target: { account: alice, group: old } }), observed, ctx).verdict).toBe('stale');
  });
});
