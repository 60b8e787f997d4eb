import { describe, expect, it } from 'vitest';
import { evaluateGuard, type GuardApprovals, type GuardedPlan } from '../../src/guard/guard.js';
import type { Located } from '../../src/policy/model.js';
import type { ApprovalDocument, ConfigDocument, GuardBaseline, PlanChange } from '../../src/types/index.js';
import { aWorld } from '../plan/world.js';
import { aChange } from '../support/changes.js';

// The guard over finished plans: plan fixtures with a baseline, no snapshot, no planner.

const NOW = new Date('2026-11-22T09:00:00Z');

function config(spec: Partial<ConfigDocument['spec']> = {}): ConfigDocument {
  return { apiVersion: 'lockstep.dev/v1', kind: 'Config', metadata: { name: 'acme' }, spec: { providers: { okta: { type: 'okta' } }, ...spec } } as ConfigDocument;
}

function change(action: PlanChange['action'], account: string, group?: string, author?: string): PlanChange {
  return aChange({
    provider: 'okta',
    action,
    target: { account: { id: account, login: `${account}@acme.com` }, ...(group ? { group: { id: group, name: group.toUpperCase() } } : {}) },
    reason: {
      kind: 'drift',
      rule: 'RoleProfile/x',
      detail: 'test',
      source: 'roles.yaml:1',
      ...(author ? { commit: { sha: 'a'.repeat(40), author, date: '2026-11-01T00:00:00Z' } } : {}),
    },
    precondition: { accountStatus: ['active'] },
  });
}

function plan(changes: PlanChange[], baseline: Partial<GuardBaseline> = {}): GuardedPlan {
  return { changes, baseline: { activeAccounts: {}, groups: [], minMembers: [], ...baseline } };
}

function approval(name: string, spec: Partial<ApprovalDocument['spec']>): Located<ApprovalDocument> {
  const doc = { apiVersion: 'lockstep.dev/v1', kind: 'Approval', metadata: { name }, spec: { expires: '2026-11-30', reason: 'test', ...spec } } as ApprovalDocument;
  const at = { file: 'approvals.yaml', line: 1, col: 1 };
  return { doc, at, locate: () => at };
}

const none: GuardApprovals = { approvals: [] };
const removals = (n: number, group = 'sales') => Array.from({ length: n }, (_, i) => change('remove_member', `u${i}`, group));
const salesOf = (members: number): Partial<GuardBaseline> => ({ groups: [{ provider: 'okta', id: 'sales', name: 'SALES', members }] });

describe('evaluateGuard over a finished plan', () => {
  it('counts group removals against the baseline: 3 of 10 passes, 4 of 10 trips', () => {
    expect(evaluateGuard(plan(removals(3), salesOf(10)), config(), none, NOW).result).toEqual({ tripped: false, violations: [] });
    const { result } = evaluateGuard(plan(removals(4), salesOf(10)), config(), none, NOW);
    expect(result.tripped).toBe(true);
    expect(result.violations).toEqual([
      {
        kind: 'group_removal',
        provider: 'okta',
        group: 'SALES',
        current: 10,
        removing: 4,
        fraction: 0.4,
        threshold: 0.3,
        changes: removals(4).map((c) => c.id),
        approvedBy: null,
      },
    ]);
  });

  it('a group the baseline does not hold (not observed) is not counted; one under minGroupSize is exempt', () => {
    expect(evaluateGuard(plan(removals(4)), config(), none, NOW).result.tripped).toBe(false);
    expect(evaluateGuard(plan(removals(5), salesOf(9)), config(), none, NOW).result.tripped).toBe(false);
  });

  it('mass suspension is a fraction of the baseline active accounts of the provider', () => {
    const suspends = Array.from({ length: 2 }, (_, i) => change('suspend', `s${i}`));
    expect(evaluateGuard(plan(suspends, { activeAccounts: { okta: 20 } }), config(), none, NOW).result.tripped).toBe(false);
    const { result } = evaluateGuard(plan(suspends, { activeAccounts: { okta: 19 } }), config(), none, NOW);
    expect(result.violations).toEqual([expect.objectContaining({ kind: 'mass_suspend', current: 19, removing: 2, fraction: 0.1053, threshold: 0.1 })]);
  });

  it('min_members counts the active members the baseline names, after removals, suspensions and additions', () => {
    const rules = config({ minMembers: [{ provider: 'okta', group: 'ADMINS', count: 2 }] });
    const admins: Partial<GuardBaseline> = { minMembers: [{ provider: 'okta', group: 'ADMINS', id: 'admins', active: ['a1', 'a2'] }], activeAccounts: { okta: 1000 } };
    const tripped = evaluateGuard(plan([change('remove_member', 'a1', 'admins')], admins), rules, none, NOW).result;
    expect(tripped.violations).toEqual([expect.objectContaining({ kind: 'min_members', group: 'ADMINS', current: 2, removing: 1, threshold: 2 })]);
    // an addition in the same plan keeps the group at its minimum
    expect(evaluateGuard(plan([change('remove_member', 'a1', 'admins'), change('add_member', 'a3', 'admins')], admins), rules, none, NOW).result.tripped).toBe(false);
    // suspending an account that is no active member changes nothing
    expect(evaluateGuard(plan([change('suspend', 'zz')], admins), rules, none, NOW).result.tripped).toBe(false);
  });

  it('an Approval merged after the plan covers it when evaluated again; after it expires it no longer does', () => {
    const p = plan(removals(4), salesOf(10));
    expect(evaluateGuard(p, config(), none, NOW).result.tripped).toBe(true);
    const merged: GuardApprovals = { approvals: [approval('rif', { scope: { provider: 'okta', group: 'SALES' }, allowRemovals: 4 })] };
    const again = evaluateGuard(p, config(), merged, NOW).result;
    expect(again.tripped).toBe(false);
    expect(again.violations[0]!.approvedBy).toBe('Approval/rif');
    expect(evaluateGuard(p, config(), merged, new Date('2026-12-01T00:00:00Z')).result.tripped).toBe(true);
    const tooFew: GuardApprovals = { approvals: [approval('rif', { scope: { provider: 'okta', group: 'SALES' }, allowRemovals: 3 })] };
    expect(evaluateGuard(p, config(), tooFew, NOW).result.tripped).toBe(true);
  });

  it('an Approval naming every change waives min_members; a scoped one does not', () => {
    const rules = config({ minMembers: [{ provider: 'okta', group: 'ADMINS', count: 2 }] });
    const admins: Partial<GuardBaseline> = { minMembers: [{ provider: 'okta', group: 'ADMINS', id: 'admins', active: ['a1', 'a2'] }] };
    const p = plan([change('remove_member', 'a1', 'admins')], admins);
    const scoped = { approvals: [approval('s', { scope: { provider: 'okta', group: 'ADMINS' } })] };
    expect(evaluateGuard(p, rules, scoped, NOW).result.tripped).toBe(true);
    const named = { approvals: [approval('n', { changes: [p.changes[0]!.id] })] };
    expect(evaluateGuard(p, rules, named, NOW).result.tripped).toBe(false);
  });

  it("passes over an Approval whose approver wrote the policy behind the violation's changes, and says so", () => {
    const rif = approval('rif', { scope: { provider: 'okta', group: 'SALES' } });
    const changes = removals(4).map((c, i) => (i === 0 ? change('remove_member', 'u0', 'sales', 'Mallory <mallory@acme.com>') : c));
    const outcome = evaluateGuard(plan(changes, salesOf(10)), config(), { approvals: [rif], approverOf: new Map([[rif, 'mallory@acme.com']]) }, NOW);
    expect(outcome.result.tripped).toBe(true);
    expect(outcome.selfApprovals).toEqual([{ approval: 'Approval/rif', violation: expect.objectContaining({ kind: 'group_removal' }), approver: 'mallory@acme.com' }]);
    const other = evaluateGuard(plan(changes, salesOf(10)), config(), { approvals: [rif], approverOf: new Map([[rif, 'alice@acme.com']]) }, NOW);
    expect(other.result.tripped).toBe(false);
    expect(other.selfApprovals).toEqual([]);
  });
});

describe('the guard a plan carries is the guard of its finished self', () => {
  function salesWorld(size: number, leaving: number) {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withRole('sales', [['okta', 'Sales']])
      .withRole('admins', [['okta', 'Admins']])
      .withAssignment('sales', { roles: ['sales'], select: { department: 'Sales' } })
      .withAssignment('admins', { roles: ['admins'], select: { title: 'Admin' } })
      .withConfig({ guard: { maxSuspendFraction: 0.2 }, minMembers: [{ provider: 'okta', group: 'Admins', count: 2 }] });
    const sales: string[] = [];
    const admins: string[] = [];
    for (let i = 0; i < size; i++) {
      const email = `p${i}@acme.com`;
      const admin = i < 3;
      w.withPerson({ email, department: 'Sales', title: admin ? 'Admin' : 'Rep', ...(i < leaving ? { endDate: '2026-11-21' } : {}) }).withAccount('okta', {
        login: email,
      });
      sales.push(email);
      if (admin) admins.push(email);
    }
    return w.withGroup('okta', 'Sales', sales).withGroup('okta', 'Admins', admins);
  }

  it.each([
    [10, 0],
    [10, 2],
    [10, 4],
    [20, 8],
  ])('%i people, %i leaving: evaluating the sealed plan again gives its guard', (size, leaving) => {
    const w = salesWorld(size, leaving);
    const sealed = w.plan();
    expect(sealed.baseline).toBeDefined();
    const policy = w.policy();
    expect(evaluateGuard({ changes: sealed.changes, baseline: sealed.baseline! }, policy.config.doc, { approvals: policy.approvals }, NOW).result).toEqual(sealed.guard);
    if (leaving >= 2) expect(sealed.guard.violations.map((v) => v.kind)).toContain('min_members');
  });
});
