import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import type { PlanChange } from '../../src/types/index.js';

/**
 * A plan change for provider tests: only what a provider reads is meaningful
 * (action, target, task); the rest is valid filler. Ids are stable per action+target.
 */
export function aChange(provider: string, action: PlanChange['action'], target: PlanChange['target'], extra: Partial<PlanChange> = {}): PlanChange {
  const id = createHash('sha256')
    .update(JSON.stringify([provider, action, target, extra.task?.action ?? '']))
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    provider,
    action,
    target,
    person: target.account?.login ?? null,
    tier: 'standard',
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: 'terminated' },
    requiresApproval: false,
    widensAccess: action === 'add_member',
    precondition: {},
    ...extra,
  };
}

export const account = (id: string, login = id): { id: string; login: string } => ({ id, login });
export const group = (id: string, name = id): { id: string; name: string } => ({ id, name });

/** The ProviderError a provider call failed with (the test fails if it succeeded or threw anything else). */
export async function providerFailure(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}
