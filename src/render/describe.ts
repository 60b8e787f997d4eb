import type { GuardViolation, Plan, PlanChange } from '../types/index.js';
import { plural } from '../wording/plural.js';

/** Shared wording for the human renderers; they read the plan and never recompute it. */

export const SYMBOL: Record<string, string> = {
  add_member: '+',
  remove_member: '-',
  delete: '-',
  suspend: '~',
  revoke_sessions: '~',
  revoke_tokens: '~',
  reset_factors: '~',
  transfer_ownership: '~',
  task: '!',
};

export function targetLabel(c: PlanChange): string {
  const acct = c.target.account?.login;
  const group = c.target.group?.name;
  if (acct && group) return `${acct} ${c.action === 'add_member' ? 'to' : 'from'} "${group}"`;
  return acct ?? (group ? `"${group}"` : '');
}

export function reasonLabel(c: PlanChange): string {
  const src = c.reason.source ? ` (${c.reason.source})` : '';
  return `${c.reason.kind} ${c.reason.rule}${src}: ${c.reason.detail}`;
}

export function actionLabel(c: PlanChange): string {
  return c.action === 'task' && c.task ? `task:${c.task.action}` : c.action;
}

/** The one-line summary; the first sentence is the stable contract (SPEC §7). */
export function summaryLine(plan: Plan): string {
  if (plan.changes.length === 0) return 'No changes. Access matches policy.';
  const n = (a: string) => plan.summary.byAction[a] ?? 0;
  const head = `Plan: ${n('add_member')} to add, ${n('remove_member')} to remove, ${n('suspend')} to suspend, ${n('delete')} to delete.`;
  const extra: string[] = [];
  const revocations = n('revoke_sessions') + n('revoke_tokens') + n('reset_factors');
  if (revocations) extra.push(`${revocations} to revoke (sessions, tokens, factors)`);
  if (n('transfer_ownership')) extra.push(`${n('transfer_ownership')} to transfer`);
  if (n('task')) extra.push(`${n('task')} manual task${n('task') === 1 ? '' : 's'}`);
  return extra.length ? `${head} Also ${extra.join(', ')}.` : head;
}

export function violationLabel(v: GuardViolation): string {
  const where = v.group ? `${v.provider} "${v.group}"` : v.provider;
  const approved = v.approvedBy ? ` — approved by ${v.approvedBy}` : '';
  switch (v.kind) {
    case 'group_removal':
      return `group_removal ${where}: removing ${v.removing} of ${plural(v.current, 'member')} (${pct(v.fraction)} > ${pct(v.threshold)})${approved}`;
    case 'mass_suspend':
      return `mass_suspend ${where}: suspending or deleting ${v.removing} of ${plural(v.current, 'active account')} (${pct(v.fraction)} > ${pct(v.threshold)})${approved}`;
    case 'min_members':
      return `min_members ${where}: would leave ${plural(v.current - v.removing, 'active member')}, fewer than ${v.threshold}${approved}`;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;

/** One standing HR event as the renderers name it: why a person the roster calls active is planned as gone. */
export function hrEventLabel(e: NonNullable<Plan['hrEvents']>[number]): string {
  return `${e.id}: ${e.type.replace('_', ' ')} of ${e.person ?? 'nobody the roster knows (yet)'}, effective ${e.effectiveAt}, received ${e.receivedAt}`;
}
