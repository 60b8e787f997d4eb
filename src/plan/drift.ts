import type { Located } from '../policy/model.js';
import type { ChangeReason, ExceptionDocument, ObservedGroup, PlanChange, Tier } from '../types/index.js';
import { routeChange, targetOf } from './account-actions.js';
import { ruleName, sourceOf } from './change-set.js';
import { addFinding, type PersonState, type PlanContext } from './context.js';
import type { Entitlement, GrantOrigin } from './entitlements.js';
import type { ManagedGroup } from '../policy/managed-groups.js';
import { changeId, findingId } from './ids.js';
import type { IndexedAccount } from './observed-index.js';

// Drift: every managed group (one some RoleProfile names) reconciled with the
// entitlements. Members without an entitlement are removed, entitled people who are not
// members are added; unmanaged groups are never touched; protected accounts are never
// removed. Removals are planned account by account, additions person by person.

export type RemovalPlanner = (acct: IndexedAccount, owner: PersonState | null) => void;

/** Per provider, the planner of one account's removals from managed groups; null for a provider with none. */
export function removalPlanners(ctx: PlanContext): Map<string, RemovalPlanner | null> {
  const managedIn = new Map<string, Map<string, ManagedGroup & { key: string }>>();
  for (const [key, mg] of ctx.managed) {
    let byName = managedIn.get(mg.provider);
    if (!byName) managedIn.set(mg.provider, (byName = new Map()));
    byName.set(mg.group, { ...mg, key });
  }
  const planners = new Map<string, RemovalPlanner | null>();
  for (const provider of ctx.index.providers) planners.set(provider, planRemovalsIn(ctx, provider, managedIn.get(provider)));
  return planners;
}

function planRemovalsIn(ctx: PlanContext, provider: string, managed: Map<string, ManagedGroup & { key: string }> | undefined): RemovalPlanner | null {
  if (!managed) return null;
  const unwanted = (group: ObservedGroup, ent: Entitlement | undefined): (ManagedGroup & { key: string }) | null => {
    const mg = managed.get(group.name);
    return !mg || (ent && (ent.grants.has(mg.key) || (ent.exceptions.size > 0 && ent.exceptions.has(mg.key)))) ? null : mg;
  };
  // Whether a list of groups holds any the grants do not cover, remembered per list and
  // grants: both are shared (accounts in the same groups share a list, people with the
  // same assignments share grants), so most accounts are answered by two lookups.
  const anyUnwanted = new Map<readonly ObservedGroup[], Map<ReadonlyMap<string, GrantOrigin>, boolean>>();
  return (acct, owner) => {
    if (acct.groups.length === 0) return;
    const ent = owner?.entitlement;
    if (ent && ent.exceptions.size === 0) {
      let byGrants = anyUnwanted.get(acct.groups);
      if (!byGrants) anyUnwanted.set(acct.groups, (byGrants = new Map()));
      let any = byGrants.get(ent.grants);
      if (any === undefined) byGrants.set(ent.grants, (any = acct.groups.some((g) => unwanted(g, ent) !== null)));
      if (!any) return;
    }
    for (const group of acct.groups) {
      const mg = unwanted(group, ent);
      if (mg) planRemoval(ctx, provider, acct, group, mg, owner);
    }
  };
}

/** A desired grant resolved to the observed group it names. */
interface GrantTarget {
  readonly key: string;
  readonly origin: GrantOrigin;
  readonly mg: ManagedGroup;
  readonly provider: string;
  readonly group: ObservedGroup;
}

/**
 * The planner of one person's additions: their grants (then exceptions) they do not hold,
 * for an entitled person. Grants are resolved to observed groups once per shared grants
 * map; a grant whose group is not observed is reported by the observed-state checks, not
 * here.
 */
export function additionPlanner(ctx: PlanContext): (state: PersonState) => void {
  const resolved = new Map<ReadonlyMap<string, GrantOrigin>, GrantTarget[]>();
  return (state) => {
    const ent = state.entitlement;
    if (!ent.entitled) return; // exceptions keep what a leaver holds, but add nothing
    let targets = resolved.get(ent.grants);
    if (!targets) resolved.set(ent.grants, (targets = resolveTargets(ctx, ent.grants)));
    for (const t of targets) {
      if (!holds(state, t)) planAddition(ctx, state, t, t.origin.role, () => policyReason(ent, t.origin));
    }
    for (const [key, exception] of ent.exceptions) {
      if (ent.grants.has(key)) continue;
      const target = resolveTarget(ctx, key);
      if (target && !holds(state, target)) planAddition(ctx, state, target, exception, () => exceptionReason(ent, exception));
    }
  };
}

function resolveTargets(ctx: PlanContext, grants: ReadonlyMap<string, GrantOrigin>): GrantTarget[] {
  const targets: GrantTarget[] = [];
  for (const [key, origin] of grants) {
    const target = resolveTarget(ctx, key);
    if (target) targets.push({ ...target, origin });
  }
  return targets;
}

function resolveTarget(ctx: PlanContext, key: string): Omit<GrantTarget, 'origin'> | null {
  const mg = ctx.managed.get(key);
  const group = mg && ctx.index.groupByName(mg.provider, mg.group);
  return mg && group ? { key, mg, provider: mg.provider, group } : null;
}

/** Whether any of the person's accounts in the target's provider is a member of its group. */
function holds(state: PersonState, target: Omit<GrantTarget, 'origin'>): boolean {
  for (const a of state.accounts) if (a.provider === target.provider && a.groups.includes(target.group)) return true;
  return false;
}

function planRemoval(ctx: PlanContext, provider: string, acct: IndexedAccount, group: ObservedGroup, mg: ManagedGroup, owner: PersonState | null): void {
  const ent = owner?.entitlement;
  const expired = ent?.expiredExceptions.get(`${provider}\u0000${group.name}`);
  const reviewed = ent?.reviewRevoked?.get(`${provider}\u0000${group.name}`);
  const reason: ChangeReason = reviewed
    ? {
        detail: `${ent!.person.email} revoked from ${mg.group} in access review ${reviewed.review.doc.metadata.name}`,
        kind: 'review',
        rule: ruleName(reviewed.review),
        source: sourceOf(reviewed.review, ['spec', 'members', reviewed.member, 'decision']),
      }
    : expired
      ? {
          detail: `exception for ${ent!.person.email} on ${mg.group} expired ${expired.doc.spec.expires}`,
          kind: 'exception_expired',
          rule: ruleName(expired),
          source: sourceOf(expired, ['spec', 'expires']),
        }
      : {
          detail: removalDetail(owner, acct, mg),
          kind: acct.person === null && acct.inCompanyDomain ? 'orphan' : 'drift',
          rule: ruleName(mg.role),
          source: sourceOf(mg.role, ['spec', 'grants', mg.grantIndex]),
        };
  if (ctx.isProtected(provider, acct.account.login)) {
    addFinding(ctx, {
      id: findingId('protected_account', provider, acct.account.id, group.id),
      kind: 'protected_account',
      severity: 'warning',
      provider,
      account: { id: acct.account.id, login: acct.account.login },
      person: acct.person?.email ?? null,
      message: `protected account ${acct.account.login} is in managed group "${group.name}" without an entitlement; left unchanged`,
      rule: reason.rule,
      source: reason.source ?? null,
    });
    return;
  }
  const removal = routeChange(ctx, {
    id: changeId(provider, 'remove_member', acct.account.id, group.id),
    provider,
    action: 'remove_member',
    target: targetOf(acct, group),
    person: acct.person?.email ?? null,
    tier: maxTier(mg.tier, ent?.tier),
    reason,
    requiresApproval: false,
    widensAccess: false,
    precondition: { member: true },
  });
  // A due lifecycle stage that removes the account's groups owns those removals (and the
  // lifecycle planner visits a person's accounts before this one does): drift plans only
  // the removals no stage has planned.
  if (removal && !ctx.changes.has(removal.id)) ctx.changes.add(removal);
}

function removalDetail(owner: PersonState | null, acct: IndexedAccount, mg: ManagedGroup): string {
  if (!owner) return `${acct.account.login} matches no person in the roster and no role grants it "${mg.group}"`;
  const { person: p, triggers: t } = owner;
  if (t.terminatedAt !== null) return `${p.email} is terminated (${p.endDate ?? 'no end date'}) and keeps no access`;
  if (t.contractEndAt !== null) return `contract of ${p.email} ended ${p.endDate}`;
  return `no role assigned to ${p.email} grants "${mg.group}"`;
}

function planAddition(
  ctx: PlanContext,
  state: PersonState,
  target: Omit<GrantTarget, 'origin'>,
  rule: Located<{ kind: string; metadata: { name: string } }>,
  reason: () => ChangeReason,
): void {
  const { mg, provider, group } = target;
  const person = state.entitlement.person;
  let best: IndexedAccount | null = null;
  let hasAccount = false;
  for (const a of state.accounts) {
    if (a.provider !== provider) continue;
    hasAccount = true;
    if (isBetterAccount(a, best)) best = a;
  }
  if (!best) {
    if (!hasAccount) {
      addFinding(ctx, {
        id: findingId('no_account', provider, person.email),
        kind: 'no_account',
        severity: 'info',
        provider,
        person: person.email,
        message: `${person.email} is entitled to "${group.name}" in ${provider} but has no account there (Lockstep does not create accounts)`,
        rule: ruleName(rule),
      });
    }
    return; // only suspended accounts: a rehire finding says so; Lockstep never re-enables
  }
  const change: PlanChange = {
    id: changeId(provider, 'add_member', best.account.id, group.id),
    provider,
    action: 'add_member',
    target: targetOf(best, group),
    person: person.email,
    tier: maxTier(mg.tier, state.entitlement.tier),
    reason: reason(),
    requiresApproval: false,
    widensAccess: true,
    precondition: { accountStatus: ['active'], member: false },
  };
  const routed = routeChange(ctx, change);
  if (routed) ctx.changes.add(routed);
}

function policyReason(ent: Entitlement, origin: GrantOrigin): ChangeReason {
  return {
    detail: `${ent.person.email} is assigned ${origin.role.doc.metadata.name} by ${ruleName(ent.roles.get(origin.role.doc.metadata.name)!)}`,
    kind: 'policy',
    rule: ruleName(origin.role),
    source: sourceOf(origin.role, ['spec', 'grants', origin.grantIndex]),
  };
}

function exceptionReason(ent: Entitlement, exception: Located<ExceptionDocument>): ChangeReason {
  return {
    detail: `exception for ${ent.person.email} until ${exception.doc.spec.expires}`,
    kind: 'policy',
    rule: ruleName(exception),
    source: sourceOf(exception, ['spec', 'grants']),
  };
}

const VIA_RANK = { email: 0, employee_id: 1, alias: 2 } as const;

/** Whether `a` is the better account for an addition than `best`: an active one, primary email over employee id over alias, then the lower id. */
function isBetterAccount(a: IndexedAccount, best: IndexedAccount | null): boolean {
  if (a.status !== 'active') return false;
  if (!best) return true;
  const ra = VIA_RANK[a.via ?? 'alias'];
  const rb = VIA_RANK[best.via ?? 'alias'];
  return ra < rb || (ra === rb && a.account.id < best.account.id);
}

function maxTier(a: Tier, b: Tier | undefined): Tier {
  return a === 'privileged' || b === 'privileged' ? 'privileged' : 'standard';
}
