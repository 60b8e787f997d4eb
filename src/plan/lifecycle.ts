import type { Located } from '../policy/model.js';
import { parseDuration } from '../policy/time.js';
import type { Person } from '../roster/model.js';
import type { ChangeReason, LifecycleRuleDocument, ObservedGroup, Tier } from '../types/index.js';
import { planAccountActions } from './account-actions.js';
import { sourceOf, ruleName } from './change-set.js';
import { ownerOf, type PersonState, type PersonTriggers, type PlanContext } from './context.js';
import { compileSelector, selectorMatches } from './entitlements.js';
import type { IndexedAccount } from './observed-index.js';

const DAY_MS = 86_400_000;
type Trigger = LifecycleRuleDocument['spec']['trigger'];

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

/** Due stages of a rule for a trigger time: every stage with now >= trigger + after. */
export function dueStages(rule: Located<LifecycleRuleDocument>, triggerAt: number, nowMs: number): number[] {
  let offsets = stageOffsets.get(rule);
  if (!offsets) stageOffsets.set(rule, (offsets = rule.doc.spec.stages.map((stage) => parseDuration(stage.after))));
  const due: number[] = [];
  for (let i = 0; i < offsets.length; i++) if (nowMs >= triggerAt + offsets[i]!) due.push(i);
  return due;
}

/** Each stage's `after` in milliseconds, parsed once per rule. */
const stageOffsets = new WeakMap<Located<LifecycleRuleDocument>, number[]>();

/** Whether a leave rule, as due now, takes access away (suspend or remove_all_groups). */
export function leaveRemovesAccess(rules: ReadonlyArray<Located<LifecycleRuleDocument>>, person: Person, leaveAt: number, nowMs: number): boolean {
  return rules.some(
    (r) =>
      r.doc.spec.trigger === 'leave' &&
      selectorMatches(r.doc.spec.appliesTo, person) &&
      dueStages(r, leaveAt, nowMs).some((i) => r.doc.spec.stages[i]!.actions.some((a) => a === 'suspend' || a === 'remove_all_groups')),
  );
}

/**
 * The planner of a person's due lifecycle stages for the person-level triggers
 * (terminated, contract end, leave) on each of their accounts, or null when there are
 * no lifecycle rules.
 */
export function personTriggerPlanner(ctx: PlanContext): ((state: PersonState) => void) | null {
  const rules = ctx.policy.lifecycleRules;
  if (rules.length === 0) return null;
  return ({ person, triggers: t, accounts }) => {
    if (t.terminatedAt === null && t.contractEndAt === null && t.leaveAt === null) return;
    if (accounts.length === 0) return;
    for (const rule of rules) {
      const trigger = rule.doc.spec.trigger;
      const at = trigger === 'terminated' ? t.terminatedAt : trigger === 'contract_end' ? t.contractEndAt : trigger === 'leave' ? t.leaveAt : null;
      if (at === null || !selectorMatches(rule.doc.spec.appliesTo, person)) continue;
      const atIso = isoOf(at);
      for (const acct of accounts) applyDueStages(ctx, rule, trigger, at, acct, atIso);
    }
  };
}

/**
 * The planner of account-level triggers (inactive accounts, orphans) for one account, or
 * null when no rule has such a trigger.
 */
export function accountTriggerPlanner(ctx: PlanContext): ((acct: IndexedAccount, owner: PersonState | null) => void) | null {
  const rules = ctx.policy.lifecycleRules;
  const inactive = rules.filter((r) => r.doc.spec.trigger === 'inactive');
  const orphan = rules.filter((r) => r.doc.spec.trigger === 'orphan');
  if (inactive.length === 0 && orphan.length === 0) return null;
  const inactiveTests = inactive.map((rule) => ({ rule, applies: compileSelector(rule.doc.spec.appliesTo), days: rule.doc.spec.inactiveDays ?? 90 }));
  return (acct, owner) => {
    if (owner === null) {
      if (!acct.inCompanyDomain || orphan.length === 0) return;
      if (acct.status !== 'active' && acct.groups.length === 0 && acct.status !== 'suspended') return;
      const at = ctx.history.firstTriggerFor(acct.provider, acct.account.id, 'orphan') ?? ctx.nowMs;
      for (const rule of orphan) if (!rule.doc.spec.appliesTo) applyDueStages(ctx, rule, 'orphan', at, acct);
      return;
    }
    const t = owner.triggers;
    if (t.terminatedAt !== null || t.contractEndAt !== null) return; // the leaver rules own these accounts
    const lastSeen = acct.lastActivityMs;
    // An inactive account already suspended still runs its later stages (e.g. delete).
    if (lastSeen === null || acct.status === 'deprovisioned') return;
    for (const { rule, applies, days } of inactiveTests) {
      const at = lastSeen + days * DAY_MS;
      if (at <= ctx.nowMs && applies(owner.person)) applyDueStages(ctx, rule, 'inactive', at, acct);
    }
  };
}

function applyDueStages(ctx: PlanContext, rule: Located<LifecycleRuleDocument>, trigger: Trigger, triggerAt: number, acct: IndexedAccount, triggerIso?: string): void {
  if (triggerAt > ctx.nowMs) return;
  const due = dueStages(rule, triggerAt, ctx.nowMs);
  if (due.length === 0) return;
  const tier = tierOf(ctx, acct);
  const person = acct.person;
  const triggerAtIso = triggerIso ?? isoOf(triggerAt);
  for (const i of due) {
    const stage = rule.doc.spec.stages[i]!;
    const approval = stage.approval ?? 'none';
    const requiresApproval = approval === 'always' || (approval === 'privileged' && tier === 'privileged');
    // Keys in canonical (sorted) order, so the finished plan needs no sorted copy.
    const reason: ChangeReason = {
      detail: describe(trigger, person, acct, stage.after),
      kind: trigger === 'orphan' ? 'orphan' : 'lifecycle',
      rule: ruleName(rule),
      source: stageSource(rule, i),
      stage: stage.after,
      trigger,
      triggerAt: triggerAtIso,
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
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

const stageSources = new WeakMap<Located<LifecycleRuleDocument>, string[]>();

/** `file:line` of a stage's actions, located once per rule. */
function stageSource(rule: Located<LifecycleRuleDocument>, stage: number): string {
  let sources = stageSources.get(rule);
  if (!sources) {
    sources = rule.doc.spec.stages.map((_, i) => sourceOf(rule, ['spec', 'stages', i, 'actions']));
    stageSources.set(rule, sources);
  }
  return sources[stage]!;
}

function tierOf(ctx: PlanContext, acct: IndexedAccount): Tier {
  if (ownerOf(ctx, acct)?.entitlement.tier === 'privileged') return 'privileged';
  // Accounts in the same groups share one list (see indexObserved): answered once per list.
  let byList = privilegedLists.get(ctx.managed);
  if (!byList) privilegedLists.set(ctx.managed, (byList = new Map()));
  let privileged = byList.get(acct.groups);
  if (privileged === undefined) {
    privileged = acct.groups.some((g) => ctx.managed.get(`${acct.provider}\u0000${g.name}`)?.tier === 'privileged');
    byList.set(acct.groups, privileged);
  }
  return privileged ? 'privileged' : 'standard';
}

/** Per plan (its managed groups), whether a group list holds a privileged managed group. */
const privilegedLists = new WeakMap<PlanContext['managed'], Map<readonly ObservedGroup[], boolean>>();

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
