import type { ChangeAction } from '../types/index.js';
import type { ProviderCapabilities } from '../types/capabilities.js';

/**
 * Effects no provider's API shows back (sessions, tokens and factors revoked, ownership
 * transferred, manual work done): whether they are done is read from the journal.
 */
const UNOBSERVABLE: ReadonlySet<ChangeAction> = new Set(['revoke_sessions', 'revoke_tokens', 'reset_factors', 'transfer_ownership', 'task']);

/**
 * A provider's capabilities, as its module declares them: the actions it carries out
 * through its API and those that mean nothing for it; the unobservable effects are the
 * same for every provider.
 */
export function declareCapabilities(spec: {
  automated: readonly ChangeAction[];
  notApplicable?: readonly ChangeAction[];
  onlyManagedGroups?: true;
}): ProviderCapabilities {
  return {
    automated: new Set(spec.automated),
    notApplicable: new Set(spec.notApplicable ?? []),
    unobservable: UNOBSERVABLE,
    ...(spec.onlyManagedGroups ? { onlyManagedGroups: true } : {}),
  };
}
