import type { PersonState, PlanContext } from './context.js';
import { additionPlanner, removalPlanners } from './drift.js';
import { accountFindingCollector, personFindings } from './findings.js';
import { lifecyclePlanners } from './lifecycle.js';
import type { IndexedAccount } from './observed-index.js';

/**
 * Everything planned per person and per account, in one visit of each: a person's own
 * findings and lifecycle stages (terminated, contract end, leave), then for each of their
 * accounts the account-level stages (inactive), removals from managed groups and the
 * account's findings, then the person's additions; last, the accounts that match nobody
 * (orphan stages, removals, findings).
 *
 * At 100,000 people that is half a million accounts, and planning is bound by memory
 * latency: visiting a person's state and accounts once, while they are in cache, is what
 * keeps it fast. Changes and findings are keyed by ids that name their account, and every
 * account sees the same order of steps the separate passes gave it, so a change or
 * finding planned twice keeps the same first reason; the plan is sorted afterwards, so the
 * order of visits across accounts leaves no trace.
 */
export function sweep(ctx: PlanContext): void {
  const { person: planPersonTriggers, account: planAccountTriggers } = lifecyclePlanners(ctx);
  const removalsIn = removalPlanners(ctx);
  const collectFindings = accountFindingCollector(ctx);
  const planAdditions = additionPlanner(ctx);
  const visit = (acct: IndexedAccount, owner: PersonState | null): void => {
    if (planAccountTriggers) planAccountTriggers(acct, owner);
    const planRemovals = removalsIn.get(acct.provider);
    if (planRemovals) planRemovals(acct, owner);
    collectFindings(acct, owner);
  };
  for (const state of ctx.persons) {
    personFindings(ctx, state);
    if (planPersonTriggers) planPersonTriggers(state);
    for (const acct of state.accounts) visit(acct, state);
    planAdditions(state);
  }
  for (const provider of ctx.index.providers) {
    for (const acct of ctx.index.unmatchedAccounts(provider)) visit(acct, null);
  }
}
