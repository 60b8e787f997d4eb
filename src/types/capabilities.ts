import type { ChangeAction } from './index.js';

/**
 * What each provider type does through its API (SPEC §5). Planning is pure and plans
 * against snapshots without live providers, so capabilities are static per type.
 * An account action outside `automated` and outside `notApplicable` is planned as a
 * `task` for the app owner.
 */
export interface ProviderCapabilities {
  readonly automated: ReadonlySet<ChangeAction>;
  /** Actions that mean nothing for this type (Kubernetes has no sessions): neither change nor task. */
  readonly notApplicable: ReadonlySet<ChangeAction>;
  /** Effects the API cannot show back; their completion is read from the journal. */
  readonly unobservable: ReadonlySet<ChangeAction>;
  /**
   * Lockstep changes only the groups the policy manages: there is no account to switch
   * off, so "suspend" means leaving every managed group, and groups no policy names are
   * left to people (reported, never changed). Kubernetes: bindings are shared by workloads.
   */
  readonly onlyManagedGroups?: boolean;
}

/** What planning is told about the configured providers: what each can do, and who takes its manual work. */
export interface PlanningProviders {
  capabilities(provider: string): ProviderCapabilities;
  /** Who receives manual tasks for a provider. */
  taskOwner(provider: string): string;
}
