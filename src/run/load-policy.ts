import { providerCatalogue } from '../../providers/registry.js';
import { loadPolicy as loadPolicyWith, type LoadPolicyOptions } from '../policy/load.js';
import type { Policy } from '../policy/model.js';

/** Loads the policy under `dir` (see src/policy/load.ts) with this build's provider types. */
export function loadPolicy(dir: string, opts: Omit<LoadPolicyOptions, 'providers'> = {}): Promise<Policy> {
  return loadPolicyWith(dir, { ...opts, providers: providerCatalogue });
}
