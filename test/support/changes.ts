import { changeId } from '../../src/plan/ids.js';
import { planChecksum } from '../../src/plan/checksum.js';
import type { GuardViolation, Plan, PlanChange } from '../../src/types/index.js';

type ChangeSpec = Partial<PlanChange> & Pick<PlanChange, 'action'>;

/**
 * The id the planner gives a change: its provider, action and target ids, a task by
 * `task:<the action it stands for>` (src/plan/account-actions.ts).
 */
export function plannedChangeId(provider: string, action: PlanChange['action'], target: PlanChange['target'], task?: PlanChange['task']): string {
  const key = action === 'task' ? `task:${task?.action ?? 'task'}` : action;
  return changeId(provider, key, target.account?.id ?? null, target.group?.id ?? null);
}

/**
 * A plan change as the planner makes it for the leaver rule: okta-main, alice@acme.com
 * (00u1), standard tier, nothing to approve, unless the spec says otherwise. The id is
 * the planner's for the change's provider, action and target (an `id` in the spec wins),
 * and the person is the target account's login.
 */
export function aChange(spec: ChangeSpec): PlanChange {
  const provider = spec.provider ?? 'okta-main';
  const target = spec.target ?? { account: { id: '00u1', login: 'alice@acme.com' } };
  return {
    id: plannedChangeId(provider, spec.action, target, spec.task),
    provider,
    target,
    person: target.account?.login ?? null,
    tier: 'standard',
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: 'terminated', trigger: 'terminated', triggerAt: '2026-11-20T17:00:00Z' },
    requiresApproval: false,
    widensAccess: (spec.action === 'task' ? spec.task?.action : spec.action) === 'add_member',
    precondition: {},
    ...spec,
  };
}

/** A stamped plan around the given changes; the guard is clear unless violations are given. */
export function aPlan(changes: PlanChange[], opts: { violations?: GuardViolation[]; tripped?: boolean; createdAt?: string } = {}): Plan {
  const violations = opts.violations ?? [];
  const byAction: Record<string, number> = {};
  for (const c of changes) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
  const plan: Omit<Plan, 'checksum'> = {
    formatVersion: '1.0',
    createdAt: opts.createdAt ?? new Date().toISOString(),
    now: '2026-11-22T00:00:00Z',
    observedAt: '2026-11-22T00:00:00Z',
    policy: { name: 'acme', commit: 'abc123' },
    rosterDigest: 'sha256:roster',
    changes,
    findings: [],
    guard: { tripped: opts.tripped ?? violations.length > 0, violations },
    summary: { total: changes.length, byAction, findings: {} },
  };
  return { ...plan, checksum: planChecksum(plan) };
}
