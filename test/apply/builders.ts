import { createHash } from 'node:crypto';
import { planChecksum } from '../../src/plan/checksum.js';
import type { Logger } from '../../src/logger.js';
import type { GuardViolation, Plan, PlanChange } from '../../src/types/index.js';

type ChangeSpec = Partial<PlanChange> & Pick<PlanChange, 'action'>;

/** A plan change with sensible defaults; the id is a stable hash of provider, action and target. */
export function aChange(spec: ChangeSpec): PlanChange {
  const provider = spec.provider ?? 'okta-main';
  const target = spec.target ?? { account: { id: '00u1', login: 'alice@acme.com' } };
  const id = spec.id ?? createHash('sha256').update(JSON.stringify([provider, spec.action, target])).digest('hex').slice(0, 16);
  return {
    id,
    provider,
    target,
    person: 'alice@acme.com',
    tier: 'standard',
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: 'terminated', trigger: 'terminated', triggerAt: '2026-11-20T17:00:00Z' },
    requiresApproval: false,
    widensAccess: spec.action === 'add_member',
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

export function aLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`), debug: () => {} };
}
