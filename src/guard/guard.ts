import type { Located } from '../policy/model.js';
import type { ApprovalDocument, ConfigDocument, GuardResult, GuardViolation, PlanChange } from '../types/index.js';
import type { ObservedIndex } from '../plan/observed-index.js';
import { expiryInstant } from '../policy/expiry.js';
import { thresholdsFor } from './thresholds.js';
import { authorEmail } from '../policy/git-authorization.js';

export interface GuardInputs {
  readonly changes: readonly PlanChange[];
  readonly index: ObservedIndex;
  readonly config: ConfigDocument;
  readonly approvals: ReadonlyArray<Located<ApprovalDocument>>;
  readonly nowMs: number;
  /** Who approved each Approval, when Git authorises them (Config approvers). */
  readonly approverOf?: ReadonlyMap<Located<ApprovalDocument>, string>;
  /** Told when an Approval is passed over because its approver wrote policy behind the violation's changes. */
  readonly onSelfApproval?: (approval: string, violation: GuardViolation, approver: string) => void;
}

/**
 * The safety check over a finished plan (SPEC §8): group removals above a fraction of a
 * group's members, suspensions+deletions above a fraction of a provider's active
 * accounts, and groups left below their minimum membership. A violation an unexpired
 * Approval covers is kept in the list with `approvedBy`; the guard trips when any
 * violation is left unapproved.
 */
export function evaluateGuard(inputs: GuardInputs): GuardResult {
  const violations = [...groupRemovals(inputs), ...massSuspensions(inputs), ...minMembers(inputs)];
  const live = inputs.approvals.filter((a) => inputs.nowMs < expiryInstant(a.doc.spec.expires));
  const authorOf = changeAuthors(inputs.changes);
  const approves = (a: Located<ApprovalDocument>, v: GuardViolation): boolean => {
    const approver = inputs.approverOf?.get(a);
    if (!approver || !v.changes?.some((id) => authorOf.get(id) === approver)) return true;
    inputs.onSelfApproval?.(`Approval/${a.doc.metadata.name}`, v, approver);
    return false;
  };
  for (const v of violations) {
    const approval = live.find((a) => covers(v, a) && approves(a, v));
    v.approvedBy = approval ? `Approval/${approval.doc.metadata.name}` : null;
  }
  return { tripped: violations.some((v) => !v.approvedBy), violations };
}

function groupRemovals({ changes, index, config }: GuardInputs): GuardViolation[] {
  const byGroup = new Map<string, { provider: string; groupId: string; ids: string[] }>();
  for (const c of changes) {
    if (c.action !== 'remove_member' || !c.target.group) continue;
    const k = `${c.provider}\u0000${c.target.group.id}`;
    const e = byGroup.get(k);
    if (e) e.ids.push(c.id);
    else byGroup.set(k, { provider: c.provider, groupId: c.target.group.id, ids: [c.id] });
  }
  const out: GuardViolation[] = [];
  for (const { provider, groupId, ids } of byGroup.values()) {
    const group = index.providers.get(provider)?.groupsById.get(groupId);
    if (!group) continue;
    const name = group.name;
    const t = thresholdsFor(config, provider, name);
    const current = group.members.length;
    if (current < t.minGroupSize) continue;
    if (ids.length > t.maxGroupRemovalFraction * current) {
      out.push({
        kind: 'group_removal',
        provider,
        group: name,
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

function massSuspensions({ changes, index, config }: GuardInputs): GuardViolation[] {
  const byProvider = new Map<string, string[]>();
  for (const c of changes) {
    if (c.action !== 'suspend' && c.action !== 'delete') continue;
    const list = byProvider.get(c.provider);
    if (list) list.push(c.id);
    else byProvider.set(c.provider, [c.id]);
  }
  const out: GuardViolation[] = [];
  for (const [provider, ids] of byProvider) {
    const current = index.providers.get(provider)?.activeAccounts ?? 0;
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
function minMembers({ changes, index, config }: GuardInputs): GuardViolation[] {
  const out: GuardViolation[] = [];
  for (const rule of config.spec.minMembers ?? []) {
    const p = index.providers.get(rule.provider);
    const group = p?.groupsByName.get(rule.group);
    if (!p || !group) continue;
    const members = new Set(group.members);
    const isActive = (id: string) => p.accounts.get(id)?.account.status === 'active';
    const before = new Set([...members].filter(isActive));
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

const round = (x: number) => Math.round(x * 10000) / 10000;
