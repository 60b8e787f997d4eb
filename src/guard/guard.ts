import type { Located } from '../policy/model.js';
import type { ApprovalDocument, ConfigDocument, GuardBaseline, GuardViolation, Plan, PlanChange } from '../types/index.js';
import { expiryInstant } from '../policy/expiry.js';
import { thresholdsFor } from './thresholds.js';
import { authorEmail } from '../policy/git-authorization.js';
import type { GuardOutcome, SelfApproval } from '../types/guard.js';

export type { GuardOutcome, SelfApproval } from '../types/guard.js';

/** What the guard reads of a plan: its changes, and what they are counted against. */
export type GuardedPlan = Pick<Plan, 'changes'> & { readonly baseline: GuardBaseline };

/** The Approvals that count (see authorizeDocuments), and who approved each when Config names approvers. */
export interface GuardApprovals {
  readonly approvals: ReadonlyArray<Located<ApprovalDocument>>;
  readonly approverOf?: ReadonlyMap<Located<ApprovalDocument>, string>;
}

/**
 * The safety check over a finished plan (SPEC §8): group removals above a fraction of a
 * group's members, suspensions+deletions above a fraction of a provider's active
 * accounts, and groups left below their minimum membership, each counted against the
 * plan's baseline. A violation an unexpired Approval covers is kept in the list with
 * `approvedBy`; the guard trips when any violation is left unapproved. Pure: the same
 * plan, Config, Approvals and instant give the same answer, when the plan is made and
 * again when a saved plan is applied.
 */
export function evaluateGuard(plan: GuardedPlan, config: ConfigDocument, approvals: GuardApprovals, now: Date): GuardOutcome {
  const violations = [...groupRemovals(plan, config), ...massSuspensions(plan, config), ...minMembers(plan, config)];
  const nowMs = now.getTime();
  const live = approvals.approvals.filter((a) => nowMs < expiryInstant(a.doc.spec.expires));
  const authorOf = changeAuthors(plan.changes);
  const selfApprovals: SelfApproval[] = [];
  const approves = (a: Located<ApprovalDocument>, v: GuardViolation): boolean => {
    const approver = approvals.approverOf?.get(a);
    if (!approver || !v.changes?.some((id) => authorOf.get(id) === approver)) return true;
    selfApprovals.push({ approval: `Approval/${a.doc.metadata.name}`, violation: v, approver });
    return false;
  };
  for (const v of violations) {
    const approval = live.find((a) => covers(v, a) && approves(a, v));
    v.approvedBy = approval ? `Approval/${approval.doc.metadata.name}` : null;
  }
  return { result: { tripped: violations.some((v) => !v.approvedBy), violations }, selfApprovals };
}

function groupRemovals({ changes, baseline }: GuardedPlan, config: ConfigDocument): GuardViolation[] {
  const byGroup = new Map<string, { provider: string; groupId: string; ids: string[] }>();
  for (const c of changes) {
    if (c.action !== 'remove_member' || !c.target.group) continue;
    const k = groupKey(c.provider, c.target.group.id);
    const e = byGroup.get(k);
    if (e) e.ids.push(c.id);
    else byGroup.set(k, { provider: c.provider, groupId: c.target.group.id, ids: [c.id] });
  }
  const counted = new Map(baseline.groups.map((g) => [groupKey(g.provider, g.id), g]));
  const out: GuardViolation[] = [];
  for (const [key, { provider, ids }] of byGroup) {
    const group = counted.get(key);
    if (!group) continue; // a group that was not observed: nothing to count against
    const t = thresholdsFor(config, provider, group.name);
    const current = group.members;
    if (current < t.minGroupSize) continue;
    if (ids.length > t.maxGroupRemovalFraction * current) {
      out.push({
        kind: 'group_removal',
        provider,
        group: group.name,
        current,
        removing: ids.length,
        fraction: round(ids.length / current),
        threshold: t.maxGroupRemovalFraction,
        changes: ids,
        approvedBy: null,
      });
    }
  }
  return out;
}

function massSuspensions({ changes, baseline }: GuardedPlan, config: ConfigDocument): GuardViolation[] {
  const byProvider = new Map<string, string[]>();
  for (const c of changes) {
    if (c.action !== 'suspend' && c.action !== 'delete') continue;
    const list = byProvider.get(c.provider);
    if (list) list.push(c.id);
    else byProvider.set(c.provider, [c.id]);
  }
  const out: GuardViolation[] = [];
  for (const [provider, ids] of byProvider) {
    const current = baseline.activeAccounts[provider] ?? 0;
    const t = thresholdsFor(config, provider);
    if (ids.length > t.maxSuspendFraction * current) {
      out.push({
        kind: 'mass_suspend',
        provider,
        current,
        removing: ids.length,
        fraction: current === 0 ? 0 : round(ids.length / current),
        threshold: t.maxSuspendFraction,
        changes: ids,
        approvedBy: null,
      });
    }
  }
  return out;
}

/** Counts active members left after the plan's removals, suspensions and additions. */
function minMembers({ changes, baseline }: GuardedPlan, config: ConfigDocument): GuardViolation[] {
  const out: GuardViolation[] = [];
  for (const rule of config.spec.minMembers ?? []) {
    const group = baseline.minMembers.find((g) => g.provider === rule.provider && g.group === rule.group);
    if (!group) continue; // the group was not observed
    const before = new Set(group.active);
    const after = new Set(before);
    const ids: string[] = [];
    for (const c of changes) {
      if (c.provider !== rule.provider) continue;
      const acc = c.target.account?.id;
      if (!acc) continue;
      const inGroup = c.target.group?.id === group.id;
      if ((c.action === 'remove_member' && inGroup) || ((c.action === 'suspend' || c.action === 'delete') && after.has(acc))) {
        if (after.delete(acc)) ids.push(c.id);
      } else if (c.action === 'add_member' && inGroup) {
        after.add(acc);
      }
    }
    if (after.size < rule.count && after.size < before.size) {
      out.push({
        kind: 'min_members',
        provider: rule.provider,
        group: rule.group,
        current: before.size,
        removing: before.size - after.size,
        fraction: before.size === 0 ? 0 : round((before.size - after.size) / before.size),
        threshold: rule.count,
        changes: ids,
        approvedBy: null,
      });
    }
  }
  return out;
}

/**
 * An Approval covers a violation when it names every change behind it, or when its scope
 * matches (provider and group for group removals; provider alone for mass suspension)
 * and the count is within allowRemovals. A min_members invariant is only waived by an
 * Approval that names the changes.
 */
function covers(v: GuardViolation, a: Located<ApprovalDocument>): boolean {
  const spec = a.doc.spec;
  if (spec.changes && v.changes && v.changes.length > 0 && v.changes.every((id) => spec.changes!.includes(id))) return true;
  if (!spec.scope || v.kind === 'min_members') return false;
  if (spec.scope.provider !== v.provider) return false;
  const withinCount = spec.allowRemovals === undefined || v.removing <= spec.allowRemovals;
  if (!withinCount) return false;
  if (v.kind === 'group_removal') return spec.scope.group === v.group;
  return v.kind === 'mass_suspend' && spec.scope.group === undefined;
}

/** Change id → the email of the author of the policy line behind it (from attribution). */
function changeAuthors(changes: readonly PlanChange[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of changes) {
    const author = c.reason.commit?.author;
    if (author) out.set(c.id, authorEmail(author));
  }
  return out;
}

const groupKey = (provider: string, id: string) => `${provider}\u0000${id}`;
const round = (x: number) => Math.round(x * 10000) / 10000;
