import type { Person } from '../roster/model.js';
import type { ChangeReason, ObservedGroup, Tier } from '../types/index.js';
import { planAccountActions } from './account-actions.js';
import { ruleName } from './change-set.js';
import { ownerOf, type PersonState, type PersonTriggers, type PlanContext } from './context.js';
import type { IndexedAccount } from './observed-index.js';
import { dueStages, type LifecycleRule, type Trigger } from './rules.js';

const DAY_MS = 86_400_000;

/**
 * Person-level triggers at `now`. A termination fires at the roster end date (status
 * terminated, or any non-contractor whose end date has passed); a terminated person
 * without an end date is taken as terminated now. A contract end fires at a contractor's
 * end date. Leave has no start date in the roster: its clock starts when Lockstep first
 * acted on it (journal), or now: `leaveClock` gives it for the person at `position` in the
 * roster list.
 */
export function personTriggers(person: Person, position: number, nowMs: number, leaveClock: (position: number) => number): PersonTriggers {
  let terminatedAt: number | null = null;
  if (person.status === 'terminated') terminatedAt = person.endAt ?? nowMs;
  else if (person.employmentType !== 'contractor' && person.endAt !== null) terminatedAt = person.endAt;
  if (terminatedAt !== null && terminatedAt > nowMs) terminatedAt = null;
  const contractEndAt = person.employmentType === 'contractor' && person.endAt !== null && person.endAt <= nowMs ? person.endAt : null;
  const leaveAt = person.status === 'leave' ? leaveClock(position) : null;
  return terminatedAt === null && contractEndAt === null && leaveAt === null ? NO_TRIGGERS : { terminatedAt, contractEndAt, leaveAt };
}

/** The triggers of everyone with none (most of a roster): one shared object (read-only by type; not frozen, so that it keeps the shape of the others). */
const NO_TRIGGERS: PersonTriggers = { terminatedAt: null, contractEndAt: null, leaveAt: null };

/**
 * The planners of due lifecycle stages: `person` for the person-level triggers
 * (terminated, contract end, leave) on each of a person's accounts, `account` for the
 * account-level ones (inactive accounts, orphans); each null when no rule has such a
 * trigger.
 */
export function lifecyclePlanners(ctx: PlanContext): {
  person: ((state: PersonState) => void) | null;
  account: ((acct: IndexedAccount, owner: PersonState | null) => void) | null;
} {
  const rules = ctx.lifecycle;
  const stages = stagePlanner(ctx);
  const personRules = rules.filter((r) => r.trigger === 'terminated' || r.trigger === 'contract_end' || r.trigger === 'leave');
  const inactive = rules.filter((r) => r.trigger === 'inactive');
  // An orphan matches nobody, so only a rule for everyone applies to it.
  const orphan = rules.filter((r) => r.trigger === 'orphan' && !r.selective);

  const person = (state: PersonState): void => {
    const { person, triggers: t, accounts } = state;
    if (t.terminatedAt === null && t.contractEndAt === null && t.leaveAt === null) return;
    if (accounts.length === 0) return;
    for (const rule of personRules) {
      const at = rule.trigger === 'terminated' ? t.terminatedAt : rule.trigger === 'contract_end' ? t.contractEndAt : t.leaveAt;
      if (at === null || !rule.applies(person)) continue;
      const atIso = isoOf(at);
      for (const acct of accounts) stages(rule, at, acct, atIso);
    }
  };

  const account = (acct: IndexedAccount, owner: PersonState | null): void => {
    if (owner === null) {
      if (!acct.inCompanyDomain || orphan.length === 0) return;
      if (acct.status !== 'active' && acct.groups.length === 0 && acct.status !== 'suspended') return;
      const at = ctx.history.firstTriggerFor(acct.provider, acct.account.id, 'orphan') ?? ctx.nowMs;
      for (const rule of orphan) stages(rule, at, acct);
      return;
    }
    const t = owner.triggers;
    if (t.terminatedAt !== null || t.contractEndAt !== null) return; // the leaver rules own these accounts
    const lastSeen = acct.lastActivityMs;
    // An inactive account already suspended still runs its later stages (e.g. delete).
    if (lastSeen === null || acct.status === 'deprovisioned') return;
    for (const rule of inactive) {
      const at = lastSeen + rule.inactiveDays * DAY_MS;
      if (at <= ctx.nowMs && rule.applies(owner.person)) stages(rule, at, acct);
    }
  };

  return { person: personRules.length > 0 ? person : null, account: inactive.length > 0 || orphan.length > 0 ? account : null };
}

/**
 * The planner of a rule's due stages on one account. An account's tier is answered once
 * per group list (accounts in the same groups share one list, see indexObserved).
 */
function stagePlanner(ctx: PlanContext): (rule: LifecycleRule, triggerAt: number, acct: IndexedAccount, triggerIso?: string) => void {
  const privilegedList = new Map<readonly ObservedGroup[], boolean>();
  const tierOf = (acct: IndexedAccount): Tier => {
    if (ownerOf(ctx, acct)?.entitlement.tier === 'privileged') return 'privileged';
    let privileged = privilegedList.get(acct.groups);
    if (privileged === undefined) {
      privileged = acct.groups.some((g) => ctx.managed.get(`${acct.provider}\u0000${g.name}`)?.tier === 'privileged');
      privilegedList.set(acct.groups, privileged);
    }
    return privileged ? 'privileged' : 'standard';
  };

  return (rule, triggerAt, acct, triggerIso) => {
    if (triggerAt > ctx.nowMs) return;
    const due = dueStages(rule, triggerAt, ctx.nowMs);
    if (due.length === 0) return;
    const tier = tierOf(acct);
    const person = acct.person;
    const trigger = rule.trigger;
    const triggerAtIso = triggerIso ?? isoOf(triggerAt);
    for (const i of due) {
      const { stage, source } = rule.stages[i]!;
      const approval = stage.approval ?? 'none';
      const requiresApproval = approval === 'always' || (approval === 'privileged' && tier === 'privileged');
      const reason: ChangeReason = {
        rule: ruleName(rule.rule),
        kind: trigger === 'orphan' ? 'orphan' : 'lifecycle',
        detail: describe(trigger, person, acct, stage.after),
        source,
        trigger,
        triggerAt: triggerAtIso,
        stage: stage.after,
      };
      planAccountActions(ctx, {
        account: acct,
        actions: stage.actions,
        reason,
        tier,
        requiresApproval,
        taskInstructions: stage.task,
        transferTo: person?.managerEmail ?? null,
      });
    }
  };
}
const isoOf = (ms: number): string => new Date(ms).toISOString();

function describe(trigger: Trigger, person: Person | null, acct: IndexedAccount, after: string): string {
  const who = person ? person.email : acct.account.login;
  const alias = acct.via === 'alias' ? ` (account ${acct.account.login} matched through an alias)` : '';
  switch (trigger) {
    case 'terminated':
      return `${who} terminated ${person?.endDate ?? ''}; stage after ${after}${alias}`.replace('  ', ' ');
    case 'contract_end':
      return `contract of ${who} ended ${person?.endDate ?? ''}; stage after ${after}${alias}`;
    case 'leave':
      return `${who} is on leave; stage after ${after}`;
    case 'inactive':
      return `${acct.account.login} in ${acct.provider} inactive since ${acct.account.lastLoginAt ?? acct.account.createdAt}; stage after ${after}`;
    case 'orphan':
      return `${acct.account.login} in ${acct.provider} is in a company domain and matches no person in the roster; stage after ${after}`;
  }
}
