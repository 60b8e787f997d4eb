import type { ChangeAction, PlanChange } from '../types/index.js';

/**
 * Apply order (SPEC §9): containment first (revoke_sessions, suspend, revoke_tokens,
 * reset_factors), then removals, ownership transfers, deletes; additions last. A task
 * sits with the action it stands for. Within a phase privileged tier comes first, then
 * a total order on person, provider, target and id, so the same inputs always give the
 * same plan.
 */
export const ACTION_RANK: Record<string, number> = {
  revoke_sessions: 0,
  suspend: 1,
  revoke_tokens: 2,
  reset_factors: 3,
  remove_member: 4,
  transfer_ownership: 5,
  delete: 6,
  task: 7,
  add_member: 8,
};

export type ApplyPhase = 'containment' | 'removal' | 'transfer' | 'delete' | 'task' | 'addition';

export function phaseOf(change: Pick<PlanChange, 'action' | 'task'>): ApplyPhase {
  const action = effectiveAction(change);
  switch (action) {
    case 'revoke_sessions':
    case 'suspend':
    case 'revoke_tokens':
    case 'reset_factors':
      return 'containment';
    case 'remove_member':
      return 'removal';
    case 'transfer_ownership':
      return 'transfer';
    case 'delete':
      return 'delete';
    case 'add_member':
      return 'addition';
    default:
      return 'task';
  }
}

export const PHASES: readonly ApplyPhase[] = ['containment', 'removal', 'transfer', 'delete', 'task', 'addition'];

/** The action a change carries out, looking through tasks to the action they stand for. */
export function effectiveAction(change: Pick<PlanChange, 'action' | 'task'>): ChangeAction | string {
  return change.action === 'task' && change.task ? change.task.action : change.action;
}

export function compareChanges(a: PlanChange, b: PlanChange): number {
  return compareKeyed(keyed(a), keyed(b));
}

/** The changes in apply order (compareChanges), each change's phase and action rank worked out once, not per comparison. */
export function sortChanges(changes: readonly PlanChange[]): PlanChange[] {
  return changes
    .map(keyed)
    .sort(compareKeyed)
    .map((k) => k.change);
}

interface KeyedChange {
  readonly change: PlanChange;
  readonly phase: number;
  readonly rank: number;
}

function keyed(change: PlanChange): KeyedChange {
  return { change, phase: PHASES.indexOf(phaseOf(change)), rank: ACTION_RANK[effectiveAction(change)] ?? 7 };
}

function compareKeyed(x: KeyedChange, y: KeyedChange): number {
  const a = x.change;
  const b = y.change;
  return (
    x.phase - y.phase ||
    (a.tier === b.tier ? 0 : a.tier === 'privileged' ? -1 : 1) ||
    cmp(a.person ?? '\uffff', b.person ?? '\uffff') ||
    cmp(a.provider, b.provider) ||
    x.rank - y.rank ||
    (a.action === 'task' ? 1 : 0) - (b.action === 'task' ? 1 : 0) ||
    cmp(a.target.account?.login ?? '', b.target.account?.login ?? '') ||
    cmp(a.target.group?.name ?? '', b.target.group?.name ?? '') ||
    cmp(a.id, b.id)
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
