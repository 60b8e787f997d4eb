import type { Located } from '../policy/model.js';
import type { ChangeReason, ExceptionDocument, ObservedGroup, PlanChange, Tier } from '../types/index.js';
import { ruleName, sourceOf } from './change-set.js';
import { addFinding, type PlanContext } from './context.js';
import { grantKey, type Entitlement, type GrantOrigin, type ManagedGroup } from './entitlements.js';
import { changeId, findingId } from './ids.js';
import { personKey, type IndexedAccount, type IndexedProvider } from './observed-index.js';
import { routeChange, targetOf } from './account-actions.js';

type Want = { ent: Entitlement; origin: GrantOrigin | null; exception: Located<ExceptionDocument> | null };

/**
 * Reconciles every managed group (one some RoleProfile names) with the entitlements:
 * members without an entitlement are removed, entitled people who are not members are
 * added. Unmanaged groups are never touched here. Protected accounts are never removed.
 */
export function planManagedGroups(ctx: PlanContext): void {
  const wanted = wantedByGroup(ctx);
  for (const [key, mg] of ctx.managed) {
    const provider = ctx.index.providers.get(mg.provider);
    const group = provider?.groupsByName.get(mg.group);
    if (!provider || !group) continue; // not observed: reported by the observed-state checks
    planRemovals(ctx, provider, group, mg, key);
    planAdditions(ctx, provider, group, mg, wanted.get(key) ?? []);
  }
}

function wantedByGroup(ctx: PlanContext): Map<string, Want[]> {
  const wanted = new Map<string, Want[]>();
  const push = (k: string, w: Want) => {
    if (!ctx.managed.has(k)) return; // never add anyone to a group no role names
    const list = wanted.get(k);
    if (list) list.push(w);
    else wanted.set(k, [w]);
  };
  for (const ent of ctx.entitlements.values()) {
    for (const [k, origin] of ent.grants) push(k, { ent, origin, exception: null });
    if (!ent.entitled) continue; // exceptions keep what a leaver holds, but add nothing
    for (const [k, exception] of ent.exceptions) if (!ent.grants.has(k)) push(k, { ent, origin: null, exception });
  }
  return wanted;
}

function planRemovals(ctx: PlanContext, provider: IndexedProvider, group: ObservedGroup, mg: ManagedGroup, key: string): void {
  for (const memberId of group.members) {
    const acct = provider.accounts.get(memberId);
    if (!acct) continue; // a member that is not a user account (e.g. a nested group): not ours to judge
    const ent = acct.person ? ctx.entitlements.get(personKey(acct.person)) : undefined;
    if (ent && (ent.grants.has(key) || ent.exceptions.has(key))) continue;
    const expired = ent?.expiredExceptions.get(key);
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
      continue;
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
}

function removalDetail(ctx: PlanContext, acct: IndexedAccount, mg: ManagedGroup): string {
  const p = acct.person;
  if (!p) return `${acct.account.login} matches no person in the roster and no role grants it "${mg.group}"`;
  const t = ctx.triggers.get(personKey(p))!;
  if (t.terminatedAt !== null) return `${p.email} is terminated (${p.endDate ?? 'no end date'}) and keeps no access`;
  if (t.contractEndAt !== null) return `contract of ${p.email} ended ${p.endDate}`;
  return `no role assigned to ${p.email} grants "${mg.group}"`;
}

function planAdditions(ctx: PlanContext, provider: IndexedProvider, group: ObservedGroup, mg: ManagedGroup, wants: Want[]): void {
  const members = provider.members.get(group.id)!;
  for (const want of wants) {
    const person = want.ent.person;
    const accounts = (ctx.index.accountsOfPerson.get(personKey(person)) ?? []).filter((a) => a.provider === provider.name);
    if (accounts.some((a) => members.has(a.account.id))) continue;
    const best = bestAccount(accounts);
    if (!best) {
      if (accounts.length === 0) {
        addFinding(ctx, {
          id: findingId('no_account', provider.name, person.email),
          kind: 'no_account',
          severity: 'info',
          provider: provider.name,
          person: person.email,
          message: `${person.email} is entitled to "${group.name}" in ${provider.name} but has no account there (Lockstep does not create accounts)`,
        });
      }
      continue; // only suspended accounts: a rehire finding says so; Lockstep never re-enables
    }
    const reason: ChangeReason = want.origin
      ? {
          rule: ruleName(want.origin.role),
          kind: 'policy',
          detail: `${person.email} is assigned ${want.origin.role.doc.metadata.name} by ${ruleName(want.origin.assignment)}`,
          source: sourceOf(want.origin.role, ['spec', 'grants', want.origin.grantIndex]),
        }
      : {
          rule: ruleName(want.exception!),
          kind: 'policy',
          detail: `exception for ${person.email} until ${want.exception!.doc.spec.expires}`,
          source: sourceOf(want.exception!, ['spec', 'grants']),
        };
    const change: PlanChange = {
      id: changeId(provider.name, 'add_member', best.account.id, group.id),
      provider: provider.name,
      action: 'add_member',
      target: targetOf(best, group),
      person: person.email,
      tier: maxTier(mg.tier, want.ent.tier),
      reason,
      requiresApproval: false,
      widensAccess: true,
      precondition: { member: false, accountStatus: ['active'] },
    };
    const routed = routeChange(ctx, change);
    if (routed) ctx.changes.add(routed);
  }
}

const VIA_RANK = { email: 0, employee_id: 1, alias: 2 } as const;

/** The account an addition goes to: an active one, primary email over employee id over alias. */
function bestAccount(accounts: IndexedAccount[]): IndexedAccount | null {
  let best: IndexedAccount | null = null;
  for (const a of accounts) {
    if (a.account.status !== 'active') continue;
    if (!best || VIA_RANK[a.via ?? 'alias'] < VIA_RANK[best.via ?? 'alias'] || (VIA_RANK[a.via ?? 'alias'] === VIA_RANK[best.via ?? 'alias'] && a.account.id < best.account.id)) best = a;
  }
  return best;
}

function maxTier(a: Tier, b: Tier | undefined): Tier {
  return a === 'privileged' || b === 'privileged' ? 'privileged' : 'standard';
}
