import type { ChangeAction, ProviderType } from '../types/index.js';
import type { ProviderCapabilities } from '../types/capabilities.js';

export type { ProviderCapabilities } from '../types/capabilities.js';

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
