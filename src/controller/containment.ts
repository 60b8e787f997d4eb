import type { ChangeOutcome } from '../apply/report.js';
import { isContainment } from '../plan/containment.js';
import type { Tier } from '../types/index.js';

/** Each person's containment in one apply: whether all of it is confirmed, its tier, and its trigger time. */
export interface PersonContainment {
  person: string;
  confirmed: boolean;
  tier: Tier;
  /** The earliest trigger time (HR end date) among the person's changes, epoch ms; null when none. */
  triggerAtMs: number | null;
}

/** Groups an apply's containment outcomes by person; confirmed means every one ended `ok` or `already`. */
export function containmentByPerson(results: readonly ChangeOutcome[]): Map<string, PersonContainment> {
  const out = new Map<string, PersonContainment>();
  for (const r of results) {
    const { change } = r;
    if (!change.person || !isContainment(change)) continue;
    let c = out.get(change.person);
    if (!c) out.set(change.person, (c = { person: change.person, confirmed: true, tier: 'standard', triggerAtMs: null }));
    if (r.result !== 'ok' && r.result !== 'already') c.confirmed = false;
    if (change.tier === 'privileged') c.tier = 'privileged';
    const t = change.reason.triggerAt ? Date.parse(change.reason.triggerAt) : NaN;
    if (!Number.isNaN(t) && (c.triggerAtMs === null || t < c.triggerAtMs)) c.triggerAtMs = t;
  }
  return out;
}
