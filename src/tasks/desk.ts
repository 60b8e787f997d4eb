import type { PlanChange } from '../types/index.js';
import type { TaskOutcome } from './book.js';

/**
 * Where an apply hands `task` changes: each provider's task book, by provider name.
 * Every provider's manual work goes here; a provider itself never receives a task.
 */
export type TaskDesk = (provider: string) => { apply(change: PlanChange): Promise<TaskOutcome> };
