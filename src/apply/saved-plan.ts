import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { planChecksum } from '../plan/checksum.js';
import { schemaIssues } from '../policy/schemas.js';
import type { Plan } from '../types/index.js';

export interface SavedPlanChecks {
  /** Oldest a plan may be, from its createdAt; Infinity for no limit (`show`). */
  maxAgeMs: number;
  nowMs: number;
}

/** Plan format majors this build reads; minor versions are additive and always accepted. */
const SUPPORTED_MAJOR = 1;

/**
 * Reads a plan saved by `plan --out` and proves it may be applied as is (SPEC §9): JSON,
 * a format major this build understands, valid against plan.schema.json, unmodified
 * (its checksum matches its content) and fresh. Each refusal is a UserError saying what
 * to do. The format version is checked before the schema so that a plan from a newer
 * Lockstep is named as such rather than as a pile of schema errors.
 */
export async function readSavedPlan(file: string, checks: SavedPlanChecks): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such plan file` : `${file}: cannot read plan file: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not a plan file: it is not JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${file}: not a plan file: expected a JSON object`);

  const version = (value as { formatVersion?: unknown }).formatVersion;
  const major = typeof version === 'string' ? Number(version.split('.')[0]) : NaN;
  if (typeof version === 'string' && major !== SUPPORTED_MAJOR) {
    throw new UserError(`${file}: plan formatVersion ${version} is not supported: this Lockstep reads ${SUPPORTED_MAJOR}.x plans; make the plan again with this version`);
  }

  const issues = schemaIssues('plan', value);
  if (issues.length > 0) {
    throw new UserError(issues.map((i) => ({ message: `${file}: not a valid plan: ${i.path.length ? `at ${i.path.join('.')}: ` : ''}${i.message}` })));
  }
  const plan = value as Plan;

  if (planChecksum(plan) !== plan.checksum) {
    throw new UserError(`${file}: plan file was modified after it was made (its checksum ${plan.checksum} does not match its content); run plan again`);
  }

  const createdMs = Date.parse(plan.createdAt);
  if (checks.nowMs - createdMs > checks.maxAgeMs) {
    throw new UserError(`Saved plan is stale: made ${plan.createdAt}, older than ${formatAge(checks.maxAgeMs)}; run plan again`);
  }
  return plan;
}

/** 24h, 90m, 30s or 500ms: the largest whole unit. */
export function formatAge(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0 && !(unit === 'd' && ms / size < 7)) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
