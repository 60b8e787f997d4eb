import type { ChangeAction, ChangeReason, LifecycleAction, PlanChange, Tier } from '../types/index.js';
import type { ObservedGroup } from '../types/index.js';
import { addFinding, ownerOf, type PlanContext } from './context.js';
import { grantKey } from '../policy/managed-groups.js';
import { changeId, findingId } from './ids.js';
import type { IndexedAccount } from './observed-index.js';
import { parseObservedInstant } from './instant.js';

/** What a lifecycle stage asks for one account, and why. */
export interface AccountActionRequest {
  readonly account: IndexedAccount;
  readonly actions: readonly LifecycleAction[];
  readonly reason: ChangeReason;
  readonly tier: Tier;
  readonly requiresApproval: boolean;
  /** Instructions for `task` actions. */
  readonly taskInstructions?: string | undefined;
  /** Successor for transfer_ownership (the manager from the roster). */
  readonly transferTo?: string | null | undefined;
}

const ACCOUNT_ACTION_LABEL: Partial<Record<ChangeAction, string>> = {
  suspend: 'Suspend (disable sign-in for) the account',
  revoke_sessions: 'End every active session of the account',
  revoke_tokens: 'Revoke the OAuth grants, API tokens and app passwords of the account',
  reset_factors: 'Reset the MFA factors enrolled for the account',
  transfer_ownership: 'Transfer the data and objects the account owns',
  delete: 'Delete the account',
  remove_member: 'Remove the account from the group',
  add_member: 'Add the account to the group',
};

/**
 * Turns a lifecycle stage's actions into changes on one account. Observable effects are
 * planned only while the observed state still needs them (suspend only when active, delete
 * only when already suspended); unobservable ones (sessions, tokens, factors, transfers,
 * tasks) are planned until the journal records them done since the trigger. An action the
 * provider cannot carry out becomes a task for the app owner.
 */
export function planAccountActions(ctx: PlanContext, req: AccountActionRequest): void {
  const { account: acct } = req;
  const { status } = acct;
  const person = acct.person;
  if (ctx.isProtected(acct.provider, acct.account.login)) {
    if (req.actions.some((a) => a !== 'flag')) {
      addFinding(ctx, {
        id: findingId('protected_account', acct.provider, acct.account.id, req.reason.rule),
        kind: 'protected_account',
        severity: 'warning',
        provider: acct.provider,
        account: { id: acct.account.id, login: acct.account.login },
        person: person?.email ?? null,
        message: `${req.reason.rule} would change protected account ${acct.account.login} in ${acct.provider} (${req.actions.join(', ')}); left unchanged`,
        rule: req.reason.rule,
        source: req.reason.source ?? null,
      });
    }
    return;
  }
  const onlyManaged = ctx.capabilities(acct.provider).onlyManagedGroups === true;
  const isManaged = (g: { name: string }): boolean => ctx.managed.has(grantKey(acct.provider, g.name));
  for (const action of req.actions) {
    switch (action) {
      case 'suspend':
        // Where suspending means leaving the managed groups, it is due only while the account holds one.
        if (status === 'active' && (!onlyManaged || acct.groups.some(isManaged))) emit(ctx, req, 'suspend', null, { accountStatus: ['active'] });
        break;
      case 'revoke_sessions':
      case 'revoke_tokens':
      case 'reset_factors':
        if (status !== 'deprovisioned') emit(ctx, req, action, null, {});
        break;
      case 'transfer_ownership':
        emit(ctx, req, action, null, {});
        break;
      case 'remove_all_groups': {
        const exceptions = ownerOf(ctx, acct)?.entitlement.exceptions;
        for (const g of acct.groups) {
          if (exceptions !== undefined && exceptions.size > 0 && exceptions.has(grantKey(acct.provider, g.name))) continue;
          if (onlyManaged && !isManaged(g)) continue;
          emit(ctx, req, 'remove_member', g, { member: true });
        }
        break;
      }
      case 'delete':
        if (status === 'suspended' || status === 'deprovisioned') emit(ctx, req, 'delete', null, { accountStatus: ['suspended', 'deprovisioned'] });
        break;
      case 'task':
        emitTask(ctx, req, 'task', null, req.taskInstructions ?? `Review the account ${acct.account.login}`);
        break;
      case 'flag':
        break; // findings are derived from the same facts in the findings pass
    }
  }
}

/** The change a request makes to its account (and group), before routing by capability. */
function changeFor(req: AccountActionRequest, action: ChangeAction, group: ObservedGroup | null, precondition: PlanChange['precondition']): PlanChange {
  return {
    id: changeId(req.account.provider, action, req.account.account.id, group?.id ?? null),
    provider: req.account.provider,
    action,
    target: targetOf(req.account, group),
    person: req.account.person?.email ?? null,
    tier: req.tier,
    reason: req.reason,
    requiresApproval: req.requiresApproval,
    widensAccess: false,
    precondition,
  };
}

function emit(ctx: PlanContext, req: AccountActionRequest, action: ChangeAction, group: ObservedGroup | null, precondition: PlanChange['precondition']): void {
  const change = changeFor(req, action, group, precondition);
  if (action === 'transfer_ownership') change.transferTo = req.transferTo ?? null;
  const routed = routeChange(ctx, change);
  if (routed) ctx.changes.add(routed);
}

function emitTask(ctx: PlanContext, req: AccountActionRequest, underlying: string, group: ObservedGroup | null, instructions: string): void {
  const task = taskFor(ctx, changeFor(req, 'task', group, {}), underlying, instructions);
  if (task) ctx.changes.add(task);
}

/**
 * Routes a planned change through its provider's capabilities: an action the provider
 * automates stays as it is (with an unobservable effect planned only until the journal
 * records it done since the trigger); an action that means nothing for the provider is
 * dropped; anything else becomes a task for the app owner. Returns null when nothing is
 * left to do.
 */
export function routeChange(ctx: PlanContext, change: PlanChange): PlanChange | null {
  const caps = ctx.capabilities(change.provider);
  if (caps.notApplicable.has(change.action)) return null;
  if (!caps.automated.has(change.action)) {
    const label = ACCOUNT_ACTION_LABEL[change.action] ?? change.action;
    const where = change.target.group ? ` "${change.target.group.name}"` : '';
    const who = change.target.account ? `: ${change.target.account.login} in ${change.provider}` : ` in ${change.provider}`;
    return taskFor(ctx, change, change.action, `${label}${where}${who}`);
  }
  if (!caps.unobservable.has(change.action)) return change;
  if (isDone(ctx, change.id, change.reason)) return null;
  return { ...change, precondition: { ...change.precondition, notDoneSince: change.reason.triggerAt ?? null } };
}

/** The task that stands for `change` (done by hand), unless the journal has it done already. */
function taskFor(ctx: PlanContext, change: PlanChange, underlying: string, instructions: string): PlanChange | null {
  const id = changeId(change.provider, `task:${underlying}`, change.target.account?.id ?? null, change.target.group?.id ?? null);
  if (isDone(ctx, id, change.reason)) return null;
  const transfer = underlying === 'transfer_ownership' && change.transferTo ? ` to ${change.transferTo}` : '';
  return {
    id,
    provider: change.provider,
    action: 'task',
    target: change.target,
    person: change.person,
    tier: change.tier,
    reason: change.reason,
    requiresApproval: change.requiresApproval,
    widensAccess: underlying === 'add_member',
    precondition: { notDoneSince: change.reason.triggerAt ?? null },
    task: { action: underlying, instructions: `${instructions}${transfer}`, owner: ctx.taskOwner(change.provider) },
  };
}

function isDone(ctx: PlanContext, id: string, reason: ChangeReason): boolean {
  const since = reason.triggerAt ? parseObservedInstant(reason.triggerAt) : Number.NEGATIVE_INFINITY;
  return ctx.history.doneSince(id, since);
}

export function targetOf(acct: IndexedAccount, group: ObservedGroup | null): PlanChange['target'] {
  const target: PlanChange['target'] = { account: { id: acct.account.id, login: acct.account.login } };
  if (group) target.group = { id: group.id, name: group.name };
  return target;
}
