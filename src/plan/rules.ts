import type { Located } from '../policy/model.js';
import { parseDuration } from '../policy/time.js';
import type { Person } from '../roster/model.js';
import type { LifecycleRuleDocument } from '../types/index.js';
import { sourceOf } from './change-set.js';
import { compileSelector, type CompiledSelector } from './entitlements.js';

export type Trigger = LifecycleRuleDocument['spec']['trigger'];

/** One stage of a lifecycle rule, its delay parsed and its actions located. */
export interface RuleStage {
  readonly stage: LifecycleRuleDocument['spec']['stages'][number];
  /** `after` in milliseconds. */
  readonly afterMs: number;
  /** `file:line` of the stage's actions. */
  readonly source: string;
}

/** A lifecycle rule as planning asks about it: what the policy says, worked out once per plan. */
export interface LifecycleRule {
  readonly rule: Located<LifecycleRuleDocument>;
  readonly trigger: Trigger;
  /** Whether the rule names the people it applies to (`appliesTo`); without it, it applies to everyone. */
  readonly selective: boolean;
  readonly applies: CompiledSelector;
  /** For `inactive` rules: days without a sign-in (90 when not given). */
  readonly inactiveDays: number;
  readonly stages: readonly RuleStage[];
}

/** The policy's lifecycle rules, in policy order, each with its selector compiled and its stages' delays parsed. */
export function lifecycleRules(rules: ReadonlyArray<Located<LifecycleRuleDocument>>): readonly LifecycleRule[] {
  return rules.map((rule) => {
    const spec = rule.doc.spec;
    return {
      rule,
      trigger: spec.trigger,
      selective: spec.appliesTo !== undefined,
      applies: compileSelector(spec.appliesTo),
      inactiveDays: spec.inactiveDays ?? 90,
      stages: spec.stages.map((stage, i) => ({ stage, afterMs: parseDuration(stage.after), source: sourceOf(rule, ['spec', 'stages', i, 'actions']) })),
    };
  });
}

/** Due stages of a rule for a trigger time: every stage with now >= trigger + after. */
export function dueStages(rule: LifecycleRule, triggerAt: number, nowMs: number): number[] {
  const due: number[] = [];
  rule.stages.forEach((s, i) => {
    if (nowMs >= triggerAt + s.afterMs) due.push(i);
  });
  return due;
}

/** Whether a leave rule, as due now, takes access away (suspend or remove_all_groups). */
export function leaveRemovesAccess(rules: readonly LifecycleRule[], person: Person, leaveAt: number, nowMs: number): boolean {
  return rules.some(
    (r) =>
      r.trigger === 'leave' &&
      r.applies(person) &&
      dueStages(r, leaveAt, nowMs).some((i) => r.stages[i]!.stage.actions.some((a) => a === 'suspend' || a === 'remove_all_groups')),
  );
}
