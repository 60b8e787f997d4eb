import { documentAuthorship } from '../git/authorship.js';
import { blamePolicyFiles, type PolicyBlame } from '../git/blame.js';
import type { Logger } from '../logger.js';
import type { Authorship } from '../policy/git-authorization.js';
import type { Policy } from '../policy/model.js';

/** What Git says about the policy, read once per run: who last changed each line, and each Approval and Exception. */
export interface PolicyProvenance {
  readonly blame: PolicyBlame;
  /** Only when Config names approvers (nothing else needs it). */
  readonly authorship: Authorship | undefined;
}

/** The files the policy's documents came from (the roster and inventories are data, not policy lines). */
function policyFiles(policy: Policy): string[] {
  const docs = [policy.config, ...policy.roles.values(), ...policy.assignments, ...policy.lifecycleRules, ...policy.exceptions, ...policy.approvals, ...policy.reviews];
  return [...new Set(docs.map((d) => d.at.file))];
}

/**
 * Blames every policy file once, for the plan's attribution, the authorship of Approvals
 * and Exceptions, and the deciders of access reviews. The caller has made sure the
 * history is whole (ensureFullHistory).
 */
export async function policyProvenance(policy: Policy, log: Logger): Promise<PolicyProvenance> {
  const blame = await blamePolicyFiles(policyFiles(policy), log);
  const authorship = policy.config.doc.spec.approvers ? await documentAuthorship(policy, blame) : undefined;
  return { blame, authorship };
}
