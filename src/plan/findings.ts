import { ruleName, sourceOf } from './change-set.js';
import { addFinding, type PersonState, type PlanContext } from './context.js';
import { expiryInstant } from '../policy/expiry.js';
import { findingId } from './ids.js';
import type { IndexedAccount } from './observed-index.js';
import { plural } from '../wording/plural.js';

const DAY_MS = 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString();
const daysSince = (nowMs: number, ms: number) => Math.floor((nowMs - ms) / DAY_MS);
const ref = (a: IndexedAccount) => ({ id: a.account.id, login: a.account.login });

/**
 * Reported, not changed: orphans, ghost accounts, former employees with access, dormant
 * accounts, rehires (per account, during the sweep: `accountFindingCollector`), roster
 * gaps (per person, during the sweep: `personFindings`), then exceptions expiring or
 * expired and open manual tasks (`collectFindings`).
 */
export function collectFindings(ctx: PlanContext): void {
  exceptionFindings(ctx);
  for (const task of ctx.history.openTasks()) {
    const opened = Date.parse(task.openedAt);
    addFinding(ctx, {
      id: findingId('task_open', task.changeId),
      kind: 'task_open',
      severity: daysSince(ctx.nowMs, opened) >= 7 ? 'warning' : 'info',
      provider: task.provider,
      ...(task.account ? { account: task.account } : {}),
      person: task.person,
      message: `manual task ${task.changeId} (${task.action}) open for ${plural(daysSince(ctx.nowMs, opened), 'day')}, awaiting a Confirmation`,
      since: task.openedAt,
      days: daysSince(ctx.nowMs, opened),
    });
  }
}

/** A person's own findings (roster gaps), collected during the sweep's visit of the person. */
export function personFindings(ctx: PlanContext, { person }: PersonState): void {
  if (person.status === 'terminated' && person.endAt === null) {
    addFinding(ctx, {
      id: findingId('roster', person.email, 'no-end-date'),
      kind: 'roster',
      severity: 'warning',
      person: person.email,
      message: `${person.email} is terminated without an end_date: treated as terminated now; record the termination time in the HRIS`,
      source: `${person.at.file}:${person.at.line}`,
    });
  }
}

/** The collector of one account's findings. */
export function accountFindingCollector(ctx: PlanContext): (acct: IndexedAccount, owner: PersonState | null) => void {
  const dormantDays = dormantThreshold(ctx);
  return (acct, owner) => accountFindings(ctx, acct, owner, dormantDays);
}

function accountFindings(ctx: PlanContext, acct: IndexedAccount, owner: PersonState | null, dormantDays: number): void {
  const { account, provider, status } = acct;
  const holdsAccess = status === 'active' || acct.groups.length > 0;
  if (!owner) {
    if (acct.inCompanyDomain && holdsAccess) {
      const prot = ctx.isProtected(provider, account.login);
      addFinding(ctx, {
        id: findingId('orphan', provider, account.id),
        kind: 'orphan',
        severity: prot ? 'info' : 'high',
        provider,
        account: ref(acct),
        person: null,
        message: `${account.login} in ${provider} is in a company domain but matches no person in the roster${prot ? ' (protected account)' : ''}`,
      });
    }
    return;
  }
  const { person, triggers: t } = owner;
  const leftAt = t.terminatedAt ?? t.contractEndAt;
  if (leftAt !== null) {
    if (!holdsAccess) return;
    const what = status === 'active' ? 'an active account' : `membership of ${plural(acct.groups.length, 'group')}`;
    addFinding(ctx, {
      id: findingId('former_with_access', provider, account.id),
      kind: 'former_with_access',
      severity: 'high',
      provider,
      account: ref(acct),
      person: person.email,
      message: `${person.email} left ${plural(daysSince(ctx.nowMs, leftAt), 'day')} ago and still holds ${what} in ${provider} (${account.login})`,
      since: iso(leftAt),
      days: daysSince(ctx.nowMs, leftAt),
    });
    if (acct.via === 'alias') {
      addFinding(ctx, {
        id: findingId('ghost_account', provider, account.id),
        kind: 'ghost_account',
        severity: 'high',
        provider,
        account: ref(acct),
        person: person.email,
        message: `${account.login} in ${provider} is an account of former ${person.email} under an alias or previous email`,
        since: iso(leftAt),
        days: daysSince(ctx.nowMs, leftAt),
      });
    }
    return;
  }
  const last = acct.lastActivityMs;
  if (status === 'active' && last !== null && ctx.nowMs - last > dormantDays * DAY_MS) {
    addFinding(ctx, {
      id: findingId('dormant', provider, account.id),
      kind: 'dormant',
      severity: 'warning',
      provider,
      account: ref(acct),
      person: person.email,
      message: `${account.login} in ${provider} has not signed in for ${plural(daysSince(ctx.nowMs, last), 'day')}`,
      since: iso(last),
      days: daysSince(ctx.nowMs, last),
    });
  }
  if (status !== 'active' && person.status === 'active' && !suspendedForInactivity(ctx, acct, last)) {
    addFinding(ctx, {
      id: findingId('rehire', provider, account.id),
      kind: 'rehire',
      severity: 'warning',
      provider,
      account: ref(acct),
      person: person.email,
      message: `${person.email} is active in HR but ${account.login} in ${provider} is ${account.status}; Lockstep never re-enables accounts: re-enable it by hand if this is a rehire`,
    });
  }
}

function suspendedForInactivity(ctx: PlanContext, acct: IndexedAccount, last: number | null): boolean {
  if (last === null || !acct.person) return false;
  return ctx.lifecycle.some((r) => {
    if (r.trigger !== 'inactive' || !r.applies(acct.person!)) return false;
    const at = last + r.inactiveDays * DAY_MS;
    return r.stages.some((s) => s.stage.actions.includes('suspend') && ctx.nowMs >= at + s.afterMs);
  });
}

function dormantThreshold(ctx: PlanContext): number {
  const days = ctx.policy.lifecycleRules.filter((r) => r.doc.spec.trigger === 'inactive' && r.doc.spec.inactiveDays !== undefined).map((r) => r.doc.spec.inactiveDays!);
  return days.length > 0 ? Math.min(...days) : (ctx.policy.config.doc.spec.findings?.dormantDays ?? 90);
}

function exceptionFindings(ctx: PlanContext): void {
  const warnDays = ctx.policy.config.doc.spec.findings?.exceptionExpiringDays ?? 14;
  for (const e of ctx.policy.exceptions) {
    const end = expiryInstant(e.doc.spec.expires);
    const name = ruleName(e);
    const base = { provider: null, person: e.doc.spec.person, rule: name, source: sourceOf(e, ['spec', 'expires']) };
    if (ctx.nowMs >= end) {
      addFinding(ctx, {
        id: findingId('exception_expired', name),
        kind: 'exception_expired',
        severity: 'warning',
        ...base,
        message: `${name} for ${e.doc.spec.person} expired ${e.doc.spec.expires}; it no longer protects access: remove it or renew it`,
        since: iso(end),
        days: daysSince(ctx.nowMs, end),
      });
    } else if (end - ctx.nowMs <= warnDays * DAY_MS) {
      addFinding(ctx, {
        id: findingId('exception_expiring', name),
        kind: 'exception_expiring',
        severity: 'info',
        ...base,
        message: `${name} for ${e.doc.spec.person} expires ${e.doc.spec.expires} (in ${plural(Math.ceil((end - ctx.nowMs) / DAY_MS), 'day')})`,
        since: null,
        days: null,
      });
    }
  }
}
