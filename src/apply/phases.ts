import type { ChangeAction, PlanChange } from '../types/index.js';

/**
 * Apply phases within one provider, run in this order with a barrier between them
 * (SPEC §9): contain the account first, then take access away, hand over what it owns,
 * delete, hand out manual work, and only then grant anything.
 */
export const PHASES = ['containment', 'removal', 'transfer', 'delete', 'task', 'addition'] as const;
export type Phase = (typeof PHASES)[number];

const PHASE_OF: Readonly<Record<ChangeAction, Phase>> = {
  revoke_sessions: 'containment',
  suspend: 'containment',
  revoke_tokens: 'containment',
  reset_factors: 'containment',
  remove_member: 'removal',
  transfer_ownership: 'transfer',
  delete: 'delete',
  task: 'task',
  add_member: 'addition',
};

export function phaseOf(action: ChangeAction): Phase {
  return PHASE_OF[action];
}

/**
 * The batches one provider runs in order: per phase, privileged-tier changes and then
 * standard ones. Changes inside a batch keep their plan order and may run concurrently.
 * Empty batches are left out.
 */
export function applyBatches<T extends Pick<PlanChange, 'action' | 'tier'>>(changes: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (const phase of PHASES) {
    const inPhase = changes.filter((c) => phaseOf(c.action) === phase);
    for (const tier of ['privileged', 'standard'] as const) {
      const batch = inPhase.filter((c) => c.tier === tier);
      if (batch.length > 0) batches.push(batch);
    }
  }
  return batches;
}
