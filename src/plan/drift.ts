import type { Located } from '../policy/model.js';
import type { ChangeReason, ExceptionDocument, ObservedGroup, PlanChange, Tier } from '../types/index.js';
import { routeChange, targetOf } from './account-actions.js';
import { ruleName, sourceOf } from './change-set.js';
import { addFinding, type PlanContext } from './context.js';
import type { Entitlement, GrantOrigin, ManagedGroup } from './entitlements.js';
import { changeId, findingId } from './ids.js';
import type { IndexedAccount, IndexedProvider } from './observed-index.js';

/**
 * Reconciles every managed group (one some RoleProfile names) with the entitlements:
 * members without an entitlement are removed, entitled people who are not members are
 * added. Unmanaged groups are never touched here. Protected accounts are never removed.
 * One pass over the memberships for removals, one over the entitlements for additions.
 */
export function planManagedGroups(ctx: PlanContext): void {
  const managedIn = new Map<string, Map<string, ManagedGroup & { key: string }>>();
  for (const [key, mg] of ctx.managed) {
    let byName = managedIn.get(mg.provider);
    if (!byName) managedIn.set(mg.provider, (byName = new Map()));
    byName.set(mg.group, { ...mg, key });
  }
  for (const provider of ctx.index.providers.values()) {
    const managed = managedIn.get(provider.name);
    if (!managed) continue;
    for (const acct of provider.accounts.values()) {
      if (acct.groups.length === 0) continue;
      const ent = acct.person ? ctx.entitlements.get(acct.person.key) : undefined;
      for (const group of acct.groups) {
        const mg = managed.get(group.name);
        if (!mg || (ent && (ent.grants.has(mg.key) || ent.exceptions.has(mg.key)))) continue;
        planRemoval(ctx, provider, acct, group, mg, ent);
      }
    }
  }
  for (const ent of ctx.entitlements.values()) {
    if (!ent.entitled) continue; // exceptions keep what a leaver holds, but add nothing
    for (const [key, origin] of ent.grants) planAddition(ctx, ent, key, origin.role, () => policyReason(ent, origin));
    for (const [key, exception] of ent.exceptions) {
      if (!ent.grants.has(key)) planAddition(ctx, ent, key, exception, () => exceptionReason(ent, exception));
    }
  }
}

function planRemoval(
  ctx: PlanContext,
  provider: IndexedProvider,
  acct: IndexedAccount,
  group: ObservedGroup,
  mg: ManagedGroup,
  ent: Entitlement | undefined,
): void {
  const expired = ent?.expiredExceptions.get(`${provider.name}\u0000${group.name}`);
  const reason: ChangeReason = expired
    ? {
        rule: ruleName(expired),
        kind: 'exception_expired',
        detail: `exception for ${ent!.person.email} on ${mg.group} expired ${expired.doc.spec.expires}`,
        source: sourceOf(expired, ['spec', 'expires']),
      }
    : {
        rule: ruleName(mg.role),
        kind: acct.person === null && acct.inCompanyDomain ? 'orphan' : 'drift',
        detail: removalDetail(ctx, acct, mg),
        source: sourceOf(mg.role, ['spec', 'grants', mg.grantIndex]),
      };
  if (ctx.isProtected(provider.name, acct.account.login)) {
    addFinding(ctx, {
      id: findingId('protected_account', provider.name, acct.account.id, group.id),
      kind: 'protected_account',
      severity: 'warning',
      provider: provider.name,
      account: { id: acct.account.id, login: acct.account.login },
      person: acct.person?.email ?? null,
      message: `protected account ${acct.account.login} is in managed group "${group.name}" without an entitlement; left unchanged`,
      rule: reason.rule,
      source: reason.source ?? null,
    });
    return;
  }
  const removal = routeChange(ctx, {
    id: changeId(provider.name, 'remove_member', acct.account.id, group.id),
    provider: provider.name,
    action: 'remove_member',
    target: targetOf(acct, group),
    person: acct.person?.email ?? null,
    tier: maxTier(mg.tier, ent?.tier),
    reason,
    requiresApproval: false,
    widensAccess: false,
    precondition: { member: true },
  });
  if (removal) ctx.changes.add(removal);
}

function removalDetail(ctx: PlanContext, acct: IndexedAccount, mg: ManagedGroup): string {
  const p = acct.person;
  if (!p) return `${acct.account.login} matches no person in the roster and no role grants it "${mg.group}"`;
  const t = ctx.triggers.get(p.key)!;
  if (t.terminatedAt !== null) return `${p.email} is terminated (${p.endDate ?? 'no end date'}) and keeps no access`;
  if (t.contractEndAt !== null) return `contract of ${p.email} ended ${p.endDate}`;
  return `no role assigned to ${p.email} grants "${mg.group}"`;
}

function planAddition(
  ctx: PlanContext,
  ent: Entitlement,
  key: string,
  rule: Located<{ kind: string; metadata: { name: string } }>,
  reason: () => ChangeReason,
): void {
  const mg = ctx.managed.get(key);
  const provider = mg ? ctx.index.providers.get(mg.provider) : undefined;
  const group = mg && provider?.groupsByName.get(mg.group);
  if (!mg || !provider || !group) return; // not observed: reported by the observed-state checks
  const person = ent.person;
  const accounts = provider.accountsOfPerson.get(person.key);
  if (accounts?.some((a) => a.groups.includes(group))) return;
  const best = accounts ? bestAccount(accounts) : null;
  if (!best) {
    if (!accounts) {
      addFinding(ctx, {
        id: findingId('no_account', provider.name, person.email),
        kind: 'no_account',
        severity: 'info',
        provider: provider.name,
        person: person.email,
        message: `${person.email} is entitled to "${group.name}" in ${provider.name} but has no account there (Lockstep does not create accounts)`,
        rule: ruleName(rule),
      });
    }
    return; // only suspended accounts: a rehire finding says so; Lockstep never re-enables
  }
  const change: PlanChange = {
    id: changeId(provider.name, 'add_member', best.account.id, group.id),
    provider: provider.name,
    action: 'add_member',
    target: targetOf(best, group),
    person: person.email,
    tier: maxTier(mg.tier, ent.tier),
    reason: reason(),
    requiresApproval: false,
    widensAccess: true,
    precondition: { member: false, accountStatus: ['active'] },
  };
  const routed = routeChange(ctx, change);
  if (routed) ctx.changes.add(routed);
}

function policyReason(ent: Entitlement, origin: GrantOrigin): ChangeReason {
  return {
    rule: ruleName(origin.role),
    kind: 'policy',
    detail: `${ent.person.email} is assigned ${origin.role.doc.metadata.name} by ${ruleName(ent.roles.get(origin.role.doc.metadata.name)!)}`,
    source: sourceOf(origin.role, ['spec', 'grants', origin.grantIndex]),
  };
}

function exceptionReason(ent: Entitlement, exception: Located<ExceptionDocument>): ChangeReason {
  return {
    rule: ruleName(exception),
    kind: 'policy',
    detail: `exception for ${ent.person.email} until ${exception.doc.spec.expires}`,
    source: sourceOf(exception, ['spec', 'grants']),
  };
}

const VIA_RANK = { email: 0, employee_id: 1, alias: 2 } as const;

/** The account an addition goes to: an active one, primary email over employee id over alias. */
function bestAccount(accounts: readonly IndexedAccount[]): IndexedAccount | null {
  let best: IndexedAccount | null = null;
  for (const a of accounts) {
    if (a.account.status !== 'active') continue;
    if (!best) {
      best = a;
      continue;
    }
    const ra = VIA_RANK[a.via ?? 'alias'];
    const rb = VIA_RANK[best.via ?? 'alias'];
    if (ra < rb || (ra === rb && a.account.id < best.account.id)) best = a;
  }
  return best;
}

function maxTier(a: Tier, b: Tier | undefined): Tier {
  return a === 'privileged' || b === 'privileged' ? 'privileged' : 'standard';
}
