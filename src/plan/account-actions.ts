import type { ChangeAction, ChangeReason, LifecycleAction, PlanChange, Tier } from '../types/index.js';
import type { ObservedGroup } from '../types/index.js';
import { addFinding, type PlanContext } from './context.js';
import { grantKey } from './entitlements.js';
import { changeId, findingId } from './ids.js';
import type { IndexedAccount } from './observed-index.js';

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
  const { status } = acct.account;
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
  for (const action of req.actions) {
    switch (action) {
      case 'suspend':
        if (status === 'active') emit(ctx, req, 'suspend', null, { accountStatus: ['active'] });
        break;
      case 'revoke_sessions':
      case 'revoke_tokens':
      case 'reset_factors':
        if (status !== 'deprovisioned') emit(ctx, req, action, null, {});
        break;
      case 'transfer_ownership':
        emit(ctx, req, action, null, {});
        break;
      case 'remove_all_groups':
        for (const g of acct.groups) {
          const ent = person ? ctx.entitlements.get(person.email.toLowerCase()) : undefined;
          if (ent?.exceptions.has(grantKey(acct.provider, g.name))) continue;
          emit(ctx, req, 'remove_member', g, { member: true });
        }
        break;
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

function emit(
  ctx: PlanContext,
  req: AccountActionRequest,
  action: ChangeAction,
  group: ObservedGroup | null,
  precondition: PlanChange['precondition'],
): void {
  const caps = ctx.capabilities(req.account.provider);
  if (caps.notApplicable.has(action)) return;
  if (!caps.automated.has(action)) {
    const label = ACCOUNT_ACTION_LABEL[action] ?? action;
    const where = group ? ` "${group.name}"` : '';
    emitTask(ctx, req, action, group, `${label}${where}: ${req.account.account.login} in ${req.account.provider}`);
    return;
  }
  const id = changeId(req.account.provider, action, req.account.account.id, group?.id ?? null);
  const unobservable = caps.unobservable.has(action);
  if (unobservable && isDone(ctx, id, req.reason)) return;
  const change: PlanChange = {
    id,
    provider: req.account.provider,
    action,
    target: targetOf(req.account, group),
    person: req.account.person?.email ?? null,
    tier: req.tier,
    reason: req.reason,
    requiresApproval: req.requiresApproval,
    widensAccess: false,
    precondition: unobservable ? { ...precondition, notDoneSince: req.reason.triggerAt ?? null } : precondition,
  };
  if (action === 'transfer_ownership') change.transferTo = req.transferTo ?? null;
  ctx.changes.add(change);
}

function emitTask(ctx: PlanContext, req: AccountActionRequest, underlying: string, group: ObservedGroup | null, instructions: string): void {
  const id = changeId(req.account.provider, `task:${underlying}`, req.account.account.id, group?.id ?? null);
  if (isDone(ctx, id, req.reason)) return;
  const transfer = underlying === 'transfer_ownership' && req.transferTo ? ` to ${req.transferTo}` : '';
  ctx.changes.add({
    id,
    provider: req.account.provider,
    action: 'task',
    target: targetOf(req.account, group),
    person: req.account.person?.email ?? null,
    tier: req.tier,
    reason: req.reason,
    requiresApproval: req.requiresApproval,
    widensAccess: false,
    precondition: { notDoneSince: req.reason.triggerAt ?? null },
    task: { action: underlying, owner: ctx.taskOwner(req.account.provider), instructions: `${instructions}${transfer}` },
  });
}

function isDone(ctx: PlanContext, id: string, reason: ChangeReason): boolean {
  const since = reason.triggerAt ? Date.parse(reason.triggerAt) : Number.NEGATIVE_INFINITY;
  return ctx.history.doneSince(id, since);
}

export function targetOf(acct: IndexedAccount, group: ObservedGroup | null): PlanChange['target'] {
  const target: PlanChange['target'] = { account: { id: acct.account.id, login: acct.account.login } };
  if (group) target.group = { id: group.id, name: group.name };
  return target;
}
