import type { Policy } from '../policy/model.js';
import type { JournalHistory } from '../journal/history.js';
import type { Person } from '../roster/model.js';
import type { Finding, ProviderType } from '../types/index.js';
import type { ProviderCapabilities } from '../types/capabilities.js';
import type { ChangeSet } from './change-set.js';
import type { Entitlement } from './entitlements.js';
import type { ManagedGroup } from '../policy/managed-groups.js';
import type { IndexedAccount, ObservedIndex } from './observed-index.js';
import type { LifecycleRule } from './rules.js';

/** When a person-level trigger fired, if it has. */
export interface PersonTriggers {
  /** Termination effective time (roster end date) once it has passed. */
  readonly terminatedAt: number | null;
  /** A contractor's contract end once it has passed. */
  readonly contractEndAt: number | null;
  /** When the person's leave was first acted on (or now), while on leave. */
  readonly leaveAt: number | null;
}

/**
 * What planning knows about one roster person. Kept in an array aligned with the roster
 * list and reached from each account by `personAt`: one array slot per visit instead of a
 * lookup by key in maps of every person.
 */
export interface PersonState {
  readonly person: Person;
  readonly triggers: PersonTriggers;
  readonly entitlement: Entitlement;
  /** The person's accounts across providers, in provider name order then snapshot order. */
  readonly accounts: readonly IndexedAccount[];
}

/** Shared, read-only inputs of the planning passes, plus the sinks they write to. */
export interface PlanContext {
  readonly policy: Policy;
  readonly nowMs: number;
  readonly history: JournalHistory;
  readonly index: ObservedIndex;
  readonly managed: ReadonlyMap<string, ManagedGroup>;
  /** The policy's lifecycle rules, compiled once for the plan. */
  readonly lifecycle: readonly LifecycleRule[];
  /** One per roster person, aligned with the roster list. */
  readonly persons: readonly PersonState[];
  readonly changes: ChangeSet;
  readonly findings: Map<string, Finding>;
  isProtected(provider: string, login: string): boolean;
  capabilities(provider: string): ProviderCapabilities;
  /** Who receives manual tasks for a provider. */
  taskOwner(provider: string): string;
}

/** The state of the person an account belongs to; null when it matches nobody. */
export function ownerOf(ctx: Pick<PlanContext, 'persons'>, acct: IndexedAccount): PersonState | null {
  return acct.personAt < 0 ? null : ctx.persons[acct.personAt]!;
}

export function addFinding(ctx: Pick<PlanContext, 'findings'>, finding: Finding): void {
  if (!ctx.findings.has(finding.id)) ctx.findings.set(finding.id, finding);
}

export function protectedMatcher(policy: Policy): (provider: string, login: string) => boolean {
  const keys = new Set((policy.config.doc.spec.protected ?? []).map((p) => `${p.provider}\u0000${p.login.toLowerCase()}`));
  return (provider, login) => {
    if (keys.size === 0) return false;
    const l = login.toLowerCase();
    return keys.has(`${provider}\u0000${l}`) || keys.has(`*\u0000${l}`);
  };
}

export function providerTypeOf(policy: Policy): (provider: string) => ProviderType | undefined {
  const providers = policy.config.doc.spec.providers;
  return (name) => {
    const conn = providers[name];
    return conn ? conn.type : undefined;
  };
}
