import type { GuardResult, GuardViolation } from './index.js';

/** An Approval passed over because its approver wrote policy behind the changes of the violation it would cover. */
export interface SelfApproval {
  /** `Approval/<name>`. */
  readonly approval: string;
  readonly violation: GuardViolation;
  /** The approver's email. */
  readonly approver: string;
}

export interface GuardOutcome {
  readonly result: GuardResult;
  readonly selfApprovals: readonly SelfApproval[];
}
