import type { ChangeAction, ProviderType } from '../types/index.js';

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

const s = (...a: ChangeAction[]): ReadonlySet<ChangeAction> => new Set(a);
const invisible = s('revoke_sessions', 'revoke_tokens', 'reset_factors', 'transfer_ownership', 'task');

export const CAPABILITIES: Readonly<Record<ProviderType, ProviderCapabilities>> = {
  okta: {
    automated: s('suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'delete'),
    notApplicable: s(),
    unobservable: invisible,
  },
  google: {
    automated: s('suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'transfer_ownership', 'delete'),
    notApplicable: s(),
    unobservable: invisible,
  },
  entra: {
    automated: s('suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'delete'),
    notApplicable: s(),
    unobservable: invisible,
  },
  kubernetes: {
    automated: s('suspend', 'add_member', 'remove_member'),
    notApplicable: s('revoke_sessions', 'revoke_tokens', 'reset_factors', 'transfer_ownership', 'delete'),
    unobservable: invisible,
    onlyManagedGroups: true,
  },
  scim: {
    // SCIM has no session, token or factor operations: they are tasks for the app owner,
    // unless the connection says deactivation covers them (deactivationEndsSessions).
    automated: s('suspend', 'add_member', 'remove_member', 'delete'),
    notApplicable: s(),
    unobservable: invisible,
  },
  manual: {
    automated: s(),
    notApplicable: s(),
    unobservable: invisible,
  },
};

export function isProviderType(t: string): t is ProviderType {
  return Object.prototype.hasOwnProperty.call(CAPABILITIES, t);
}

const SCIM_DEACTIVATION_CONTAINS: ProviderCapabilities = {
  ...CAPABILITIES.scim,
  notApplicable: s('revoke_sessions', 'revoke_tokens', 'reset_factors'),
};

/** Capabilities of one configured provider: its type's, adjusted by connection options. */
export function capabilitiesFor(connection: { type: string; deactivationEndsSessions?: unknown } | undefined): ProviderCapabilities {
  if (!connection || !isProviderType(connection.type)) return CAPABILITIES.manual;
  if (connection.type === 'scim' && connection.deactivationEndsSessions === true) return SCIM_DEACTIVATION_CONTAINS;
  return CAPABILITIES[connection.type];
}
