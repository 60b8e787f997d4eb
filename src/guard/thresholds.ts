import type { ConfigDocument } from '../types/index.js';

export interface GuardThresholds {
  maxGroupRemovalFraction: number;
  minGroupSize: number;
  maxSuspendFraction: number;
}

export const DEFAULT_THRESHOLDS: GuardThresholds = {
  maxGroupRemovalFraction: 0.3,
  minGroupSize: 10,
  maxSuspendFraction: 0.1,
};

/** Thresholds for a provider (and group): group override, then provider override, then global, then defaults. */
export function thresholdsFor(config: ConfigDocument, provider: string, group?: string): GuardThresholds {
  const g = config.spec.guard ?? {};
  const out: GuardThresholds = {
    maxGroupRemovalFraction: g.maxGroupRemovalFraction ?? DEFAULT_THRESHOLDS.maxGroupRemovalFraction,
    minGroupSize: g.minGroupSize ?? DEFAULT_THRESHOLDS.minGroupSize,
    maxSuspendFraction: g.maxSuspendFraction ?? DEFAULT_THRESHOLDS.maxSuspendFraction,
  };
  const overrides = g.overrides ?? [];
  const layers = [
    overrides.find((o) => o.provider === provider && o.group === undefined),
    group === undefined ? undefined : overrides.find((o) => o.provider === provider && o.group === group),
  ];
  for (const o of layers) {
    if (!o) continue;
    if (o.maxGroupRemovalFraction !== undefined) out.maxGroupRemovalFraction = o.maxGroupRemovalFraction;
    if (o.minGroupSize !== undefined) out.minGroupSize = o.minGroupSize;
    if (o.maxSuspendFraction !== undefined) out.maxSuspendFraction = o.maxSuspendFraction;
  }
  return out;
}
