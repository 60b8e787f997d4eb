import { personOf, type PendingEvent } from '../roster/hr-overlay.js';
import { PLAN_FORMAT_VERSION, type Finding, type Plan, type PlanChange, type PlanSummary } from '../types/index.js';
import { refusalMessage, type Authorized } from '../policy/git-authorization.js';
import { guardBaseline } from './baseline.js';
import type { GuardOutcome, SelfApproval } from '../types/guard.js';
import { ChangeSet } from './change-set.js';
import { planChecksum } from './checksum.js';
import { sortKeysDeep } from '../journal/canonical-json.js';
import { addFinding, protectedMatcher, providerTypeOf, type PersonState, type PlanContext } from './context.js';
import { desiredState } from './desired.js';
import { findingId } from './ids.js';
import { managedGroups } from '../policy/managed-groups.js';
import { collectFindings } from './findings.js';
import type { PlanInputs } from './inputs.js';
import { indexObserved } from './observed-index.js';
import { sortChanges } from './order.js';
import { reviewFindings } from './reviews.js';
import { sweep } from './sweep.js';

/** A plan before the guard has looked at it: everything but the guard's result, the summary and the checksum. */
export type DraftPlan = Omit<Plan, 'guard' | 'summary' | 'checksum' | 'baseline'> & { readonly baseline: NonNullable<Plan['baseline']> };

/**
 * The plan's changes and findings: a pure function of policy, roster, observed state,
 * journal history and now. Index the observed state → resolve entitlements → sweep
 * people and accounts (lifecycle stages, drift removals and additions, account findings)
 * → other findings → order; and the baseline the guard counts against. `authorized`
 * says which Approvals and Exceptions count (authorizeDocuments over the inputs'
 * authorship). The guard and sealing come after (see sealPlan).
 */
export function draftPlan(inputs: PlanInputs, authorized: Authorized): DraftPlan {
  const { roster, snapshot, history } = inputs;
  const policy = { ...inputs.policy, approvals: authorized.approvals, exceptions: authorized.exceptions };
  const nowMs = inputs.now.getTime();
  const config = policy.config.doc;
  const index = indexObserved(snapshot, roster.people, config.spec.domains ?? [], providerTypeOf(policy), roster.identities);

  const leaveClock = (position: number): number => {
    let at = nowMs;
    for (const a of index.accountsOf(position)) {
      const t = history.firstTriggerFor(a.provider, a.account.id, 'leave');
      if (t !== undefined && t < at) at = t;
    }
    return at;
  };
  const people = roster.people;
  const { triggers, entitlements, lifecycle } = desiredState(policy, people, nowMs, leaveClock);
  const persons: PersonState[] = people.map((person, position) => ({
    person,
    triggers: triggers[position]!,
    entitlement: entitlements[position]!,
    accounts: index.accountsOf(position),
  }));

  const ctx: PlanContext = {
    policy,
    nowMs,
    history,
    index,
    managed: managedGroups(policy),
    lifecycle,
    persons,
    changes: new ChangeSet(),
    findings: new Map<string, Finding>(),
    isProtected: protectedMatcher(policy),
    capabilities: (name) => inputs.providers.capabilities(name),
    taskOwner: (name) => inputs.providers.taskOwner(name),
  };
  sweep(ctx);
  collectFindings(ctx);
  reviewFindings(ctx);
  for (const r of authorized.refused) {
    const kind = r.doc.doc.kind;
    addFinding(ctx, {
      id: findingId('approval_unauthorized', kind, r.doc.doc.metadata.name),
      kind: 'approval_unauthorized',
      severity: 'high',
      person: kind === 'Exception' ? (r.doc.doc.spec as { person: string }).person : null,
      message: refusalMessage(r),
      rule: `${kind}/${r.doc.doc.metadata.name}`,
      source: `${r.doc.at.file}:${r.doc.at.line}`,
    });
  }

  const sorted = sortChanges(ctx.changes.values());
  const changes = inputs.scope ? sorted.filter(inputs.scope) : sorted;
  if (inputs.attribute) attribute(changes, inputs.attribute);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: (inputs.createdAt ?? inputs.now).toISOString(),
    now: inputs.now.toISOString(),
    observedAt: snapshot.observedAt,
    policy: {
      name: config.metadata.name,
      commit: policy.commit,
      digest: policy.digest,
      ...(inputs.origin ? { repository: inputs.origin.repository, path: inputs.origin.path } : {}),
    },
    rosterDigest: roster.digest,
    ...(inputs.hrEvents?.length ? { hrEvents: inputs.hrEvents.map((p) => hrEventOf(p, roster)) } : {}),
    changes,
    findings: [...ctx.findings.values()],
    baseline: guardBaseline(changes, index, config),
  };
}

/**
 * The finished plan: the draft with the guard's result (an Approval passed over because
 * its approver wrote the policy behind the changes is an `approval_unauthorized`
 * finding), findings in order, the summary, keys in canonical order and the checksum.
 */
export function sealPlan(draft: DraftPlan, guard: GuardOutcome): Plan {
  const byId = new Map(draft.findings.map((f) => [f.id, f]));
  for (const f of selfApprovalFindings(guard.selfApprovals)) if (!byId.has(f.id)) byId.set(f.id, f);
  const findings = [...byId.values()].sort(compareFindings);
  const { baseline, ...rest } = draft;
  // The planners build plain objects in whatever order reads best; the plan is written,
  // and checksummed, with every key in canonical order.
  const plan = sortKeysDeep<Plan>({
    ...rest,
    findings,
    guard: guard.result,
    baseline,
    summary: summarize(draft.changes, findings),
    checksum: '',
  });
  plan.checksum = planChecksum(plan);
  return plan;
}

/** Approvals passed over because their approver wrote the policy behind the changes, as the plan's findings. */
export function selfApprovalFindings(selfApprovals: readonly SelfApproval[]): Finding[] {
  return selfApprovals.map(({ approval, violation, approver }) => ({
    id: findingId('approval_unauthorized', 'self', approval, violation.kind, violation.provider, violation.group ?? ''),
    kind: 'approval_unauthorized',
    severity: 'high',
    person: null,
    provider: violation.provider,
    message: `${approval} was committed by ${approver}, who wrote policy behind the changes it would approve (${violation.kind} ${violation.provider}${violation.group ? ` "${violation.group}"` : ''}); nobody approves their own change`,
    rule: approval,
    source: null,
  }));
}

/** Each change's reason names the commit behind its policy line (reasons may be shared: same source, same answer). */
function attribute(changes: readonly PlanChange[], commitOf: NonNullable<PlanInputs['attribute']>): void {
  for (const c of changes) {
    const source = c.reason.source;
    if (source) c.reason.commit = commitOf(source);
  }
}

function summarize(changes: readonly PlanChange[], findings: readonly Finding[]): PlanSummary {
  const byAction: Record<string, number> = {};
  const byProvider: Record<string, number> = {};
  const byFinding: Record<string, number> = {};
  for (const c of changes) {
    byAction[c.action] = (byAction[c.action] ?? 0) + 1;
    byProvider[c.provider] = (byProvider[c.provider] ?? 0) + 1;
  }
  for (const f of findings) byFinding[f.kind] = (byFinding[f.kind] ?? 0) + 1;
  return { total: changes.length, byAction: sortKeys(byAction), byProvider: sortKeys(byProvider), findings: sortKeys(byFinding) };
}

const SEVERITY_RANK = { high: 0, warning: 1, info: 2 } as const;

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.kind, b.kind) ||
    cmp(a.person ?? '', b.person ?? '') ||
    cmp(a.provider ?? '', b.provider ?? '') ||
    cmp(a.account?.login ?? '', b.account?.login ?? '') ||
    cmp(a.id, b.id)
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => cmp(a, b)));

/** A standing HR event as the plan names it: the roster person it is about, when it takes effect and arrived. */
function hrEventOf(p: PendingEvent, roster: PlanInputs['roster']): NonNullable<Plan['hrEvents']>[number] {
  return {
    id: p.event.id,
    type: p.event.type,
    person: personOf(roster.people, p.event.person)?.email ?? null,
    effectiveAt: new Date(p.effectiveAtMs).toISOString(),
    receivedAt: new Date(p.receivedAt).toISOString(),
  };
}
