import { describe, expect, it } from 'vitest';
import { aWorld } from '../plan/world.js';

/** A managed group of `size` members, `leaving` of whom are terminated. */
function groupWorld(size: number, leaving: number, extraActive = 0) {
  const w = aWorld()
    .withProvider('okta', 'okta')
    .withRole('sales', [['okta', 'Sales']])
    .withAssignment('sales', { roles: ['sales'], select: { department: 'Sales' } })
    .withConfig({ guard: { maxSuspendFraction: 1 } });
  const logins: string[] = [];
  for (let i = 0; i < size; i++) {
    const email = `p${i}@acme.com`;
    w.withPerson({ email, department: 'Sales', ...(i < leaving ? { endDate: '2026-11-21' } : {}) }).withAccount('okta', { login: email });
    logins.push(email);
  }
  for (let i = 0; i < extraActive; i++) w.withPerson({ email: `x${i}@acme.com`, department: 'Ops' }).withAccount('okta', { login: `x${i}@acme.com` });
  return w.withGroup('okta', 'Sales', logins);
}

describe('guard: group removals', () => {
  it('exactly 30% does not trip', () => {
    const plan = groupWorld(10, 3).plan();
    expect(plan.changes.filter((c) => c.action === 'remove_member')).toHaveLength(3);
    expect(plan.guard).toEqual({ tripped: false, violations: [] });
  });

  it('more than 30% trips, naming the group, counts and threshold', () => {
    const plan = groupWorld(10, 4).plan();
    expect(plan.guard.tripped).toBe(true);
    expect(plan.guard.violations).toEqual([
      expect.objectContaining({ kind: 'group_removal', provider: 'okta', group: 'Sales', current: 10, removing: 4, fraction: 0.4, threshold: 0.3, approvedBy: null }),
    ]);
    expect(plan.guard.violations[0]!.changes).toHaveLength(4);
  });

  it('groups smaller than minGroupSize are exempt', () => {
    expect(groupWorld(9, 5).plan().guard.tripped).toBe(false);
  });

  it('per-group overrides win over provider and global thresholds', () => {
    const w = groupWorld(10, 4).withConfig({
      guard: {
        maxSuspendFraction: 1,
        maxGroupRemovalFraction: 0.1,
        overrides: [
          { provider: 'okta', maxGroupRemovalFraction: 0.2 },
          { provider: 'okta', group: 'Sales', maxGroupRemovalFraction: 0.5 },
        ],
      },
    });
    expect(w.plan().guard.tripped).toBe(false);
  });

  it('an Approval scoped to the group lets up to allowRemovals through, until it expires', () => {
    const w = groupWorld(10, 4).withApproval('rif', { scope: { provider: 'okta', group: 'Sales' }, allowRemovals: 4, expires: '2026-11-30', reason: 'RIF' });
    const plan = w.plan();
    expect(plan.guard.tripped).toBe(false);
    expect(plan.guard.violations[0]!.approvedBy).toBe('Approval/rif');
    expect(w.plan({ now: '2026-12-01T00:00:00Z' }).guard.tripped).toBe(true);
  });

  it('an Approval with too small an allowance, or for another group, does not cover it', () => {
    const small = groupWorld(10, 4).withApproval('rif', { scope: { provider: 'okta', group: 'Sales' }, allowRemovals: 3, expires: '2026-11-30', reason: 'RIF' });
    expect(small.plan().guard.tripped).toBe(true);
    const other = groupWorld(10, 4).withApproval('rif', { scope: { provider: 'okta', group: 'Support' }, expires: '2026-11-30', reason: 'RIF' });
    expect(other.plan().guard.tripped).toBe(true);
  });

  it('an Approval listing the change ids covers the violation', () => {
    const ids = groupWorld(10, 4).plan().guard.violations[0]!.changes!;
    const w = groupWorld(10, 4).withApproval('by-id', { changes: ids as [string, ...string[]], expires: '2026-11-30', reason: 'RIF' });
    expect(w.plan().guard.tripped).toBe(false);
  });
});

describe('guard: mass suspension', () => {
  function leavers(active: number, leaving: number) {
    const w = aWorld().withProvider('okta', 'okta').withLeaverRule();
    for (let i = 0; i < active; i++) {
      const email = `p${i}@acme.com`;
      w.withPerson({ email, ...(i < leaving ? { endDate: '2026-11-21' } : {}) }).withAccount('okta', { login: email });
    }
    return w;
  }

  it('trips when suspensions exceed 10% of active accounts, not at exactly 10%', () => {
    expect(leavers(20, 2).plan().guard.tripped).toBe(false);
    const plan = leavers(20, 3).plan();
    expect(plan.guard.violations).toEqual([
      expect.objectContaining({ kind: 'mass_suspend', provider: 'okta', current: 20, removing: 3, fraction: 0.15, threshold: 0.1 }),
    ]);
  });

  it('a provider-scoped Approval covers it', () => {
    const w = leavers(20, 3).withApproval('hr-batch', { scope: { provider: 'okta' }, allowRemovals: 5, expires: '2026-12-01', reason: 'batch' });
    expect(w.plan().guard.tripped).toBe(false);
  });
});

describe('guard: minimum members', () => {
  function admins(leaving: number) {
    const w = aWorld()
      .withProvider('okta', 'okta')
      .withLeaverRule()
      .withConfig({ minMembers: [{ provider: 'okta', group: 'Okta Admins', count: 2 }], guard: { maxSuspendFraction: 1 } })
      .withRole('admin', [['okta', 'Okta Admins']], 'privileged')
      .withAssignment('admins', { roles: ['admin'], people: ['a@acme.com', 'b@acme.com', 'c@acme.com'] });
    for (const [i, email] of ['a@acme.com', 'b@acme.com', 'c@acme.com'].entries()) {
      w.withPerson({ email, ...(i < leaving ? { endDate: '2026-11-21' } : {}) }).withAccount('okta', { login: email });
    }
    return w.withGroup('okta', 'Okta Admins', ['a@acme.com', 'b@acme.com', 'c@acme.com']);
  }

  it('refuses a plan that would leave the group below its count', () => {
    expect(admins(1).plan().guard.tripped).toBe(false);
    const plan = admins(2).plan();
    expect(plan.guard.violations).toEqual([expect.objectContaining({ kind: 'min_members', group: 'Okta Admins', current: 3, removing: 2, threshold: 2 })]);
  });

  it('a scope approval does not waive the invariant', () => {
    const w = admins(2).withApproval('x', { scope: { provider: 'okta', group: 'Okta Admins' }, expires: '2026-12-01', reason: 'r' });
    expect(w.plan().guard.tripped).toBe(true);
  });

  it('privileged changes come first within each phase', () => {
    const w = admins(1).withPerson({ email: 'z@acme.com', endDate: '2026-11-21' }).withAccount('okta', { login: 'z@acme.com' });
    const suspends = w.plan().changes.filter((c) => c.action === 'suspend');
    expect(suspends.map((c) => `${c.person} ${c.tier}`)).toEqual(['a@acme.com privileged', 'z@acme.com standard']);
  });
});
