import type { PlanChange } from '../types/index.js';
import { PHASES, phaseOf, type ApplyPhase } from '../plan/order.js';

export { PHASES, phaseOf, type ApplyPhase as Phase };

/**
 * The batches one provider runs in order, with a barrier between them (SPEC §9): per
 * phase (containment, removal, transfer, delete, task, addition; a task runs in the
 * phase of the action it stands for), privileged-tier changes and then standard ones.
 * Changes inside a batch keep their plan order and may run concurrently. Empty batches
 * are left out.
 */
export function applyBatches<T extends Pick<PlanChange, 'action' | 'tier' | 'task'>>(changes: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (const phase of PHASES) {
    const inPhase = changes.filter((c) => phaseOf(c) === phase);
    for (const tier of ['privileged', 'standard'] as const) {
      const batch = inPhase.filter((c) => c.tier === tier);
      if (batch.length > 0) batches.push(batch);
    }
  }
  return batches;
}
