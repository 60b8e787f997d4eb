import type { Plan } from '../types/index.js';

/** The primary form: the plan exactly as schemas/plan.schema.json describes it. */
export function renderJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}
