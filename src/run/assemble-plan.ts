import { evaluateGuard } from '../guard/guard.js';
import { draftPlan, sealPlan } from '../plan/assemble.js';
import type { PlanInputs } from '../plan/inputs.js';
import { authorizeDocuments } from '../policy/git-authorization.js';
import type { Plan } from '../types/index.js';

/**
 * The plan from its inputs, in the order a plan is made: which Approvals and Exceptions
 * count (Git authorship, when Config names approvers) → the pure planner's draft → the
 * guard over it → sealed (summary, canonical order, checksum). No I/O.
 */
export function assemblePlan(inputs: PlanInputs): Plan {
  const authorized = authorizeDocuments(inputs.policy, inputs.authorship);
  const draft = draftPlan(inputs, authorized);
  return sealPlan(draft, evaluateGuard(draft, inputs.policy.config.doc, authorized, inputs.now));
}
