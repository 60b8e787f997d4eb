import { providerCatalogue } from '../../providers/registry.js';
import { examinePolicy as examinePolicyWith, loadPolicy as loadPolicyWith, type LoadPolicyOptions, type PolicyExamination } from '../policy/load.js';
import type { Policy } from '../policy/model.js';

/** Loads the policy under `dir` (see src/policy/load.ts) with this build's provider types. */
export function loadPolicy(dir: string, opts: Omit<LoadPolicyOptions, 'providers'> = {}): Promise<Policy> {
  return loadPolicyWith(dir, { ...opts, providers: providerCatalogue });
}

/** Examines the policy under `dir` (problems returned, not thrown) with this build's provider types. */
export function examinePolicy(dir: string, opts: Omit<LoadPolicyOptions, 'providers'> = {}): Promise<PolicyExamination> {
  return examinePolicyWith(dir, { ...opts, providers: providerCatalogue });
}
