import type { PlanChange } from '../types/index.js';

/**
 * The journal detail of a task change: `task for OWNER: ACTION`, then what handing it out
 * said (where the task is, or who confirmed it). Reports read the action back with
 * taskActionOf.
 */
export function taskDetail(task: NonNullable<PlanChange['task']>, detail: string | undefined): string {
  const head = `task for ${task.owner}: ${task.action}`;
  return detail ? `${head}; ${detail}` : head;
}

/** The action a task change's journal detail names (see taskDetail); `task` when it names none. */
export function taskActionOf(detail: unknown): string {
  return (typeof detail === 'string' ? /^task for [^:]+: ([a-z_]+)/.exec(detail)?.[1] : undefined) ?? 'task';
}
