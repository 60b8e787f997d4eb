import type { PlanChange } from '../types/index.js';

/** The actions of a leaver rule's containment stage, as planned (remove_all_groups plans remove_member). */
const CONTAINMENT = new Set<PlanChange['action']>(['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_member']);

/** Whether a change contains a leaver: a containment action of a termination or contract-end rule. */
export function isContainment(change: PlanChange): boolean {
  return change.reason.kind === 'lifecycle' && (change.reason.trigger === 'terminated' || change.reason.trigger === 'contract_end') && CONTAINMENT.has(change.action);
}
