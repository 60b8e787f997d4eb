import { resolve } from 'node:path';
import { ExitCode } from '../../errors.js';
import { readSavedPlan } from '../../apply/saved-plan.js';
import { renderPlan, type PlanFormat } from '../render-plan.js';
import { writeOut } from '../output.js';

/** `lockstep show PLAN_FILE`: renders a saved plan (checksum verified; any age). */
export async function showCommand(file: string, opts: { format: PlanFormat }): Promise<number> {
  const plan = await readSavedPlan(resolve(file), { maxAgeMs: Number.POSITIVE_INFINITY, nowMs: Date.now() });
  writeOut(renderPlan(plan, opts.format));
  return ExitCode.Ok;
}
