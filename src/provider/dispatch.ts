import { ProviderError } from '../errors.js';
import type { PlanChange } from '../types/index.js';
import type { ApplyOutcome } from './provider.js';

/**
 * What a provider does for each action it carries out through its API, given the ids of
 * the change's target. An action without a handler is refused: the planner plans it as
 * a task for that provider type, so reaching one means a plan made for another setup.
 * A `task` is refused too: the apply hands every task to its task desk.
 */
export interface ChangeHandlers {
  suspend?: (account: string) => Promise<ApplyOutcome>;
  revoke_sessions?: (account: string) => Promise<ApplyOutcome>;
  revoke_tokens?: (account: string) => Promise<ApplyOutcome>;
  reset_factors?: (account: string) => Promise<ApplyOutcome>;
  delete?: (account: string) => Promise<ApplyOutcome>;
  transfer_ownership?: (account: string, change: PlanChange) => Promise<ApplyOutcome>;
  add_member?: (group: string, account: string) => Promise<ApplyOutcome>;
  remove_member?: (group: string, account: string) => Promise<ApplyOutcome>;
}

/**
 * Calls the handler for a change's action with its target's ids; a change without the ids
 * it needs is a ProviderError. `refusal` words the error for an action without a handler
 * (by default: the planner plans it as a task).
 */
export async function dispatchChange(
  provider: { readonly name: string; readonly type: string },
  change: PlanChange,
  handlers: ChangeHandlers,
  refusal: (action: string) => string = (action) => `${provider.type} cannot ${action}; it is planned as a task`,
): Promise<ApplyOutcome> {
  const id = (kind: 'account' | 'group'): string => {
    const value = change.target[kind]?.id;
    if (!value) throw new ProviderError(provider.name, `change ${change.id} (${change.action}) names no ${kind}`);
    return value;
  };
  const { action } = change;
  switch (action) {
    case 'task':
      throw new ProviderError(provider.name, `change ${change.id} is a manual task: the task desk hands it out, not the provider`);
    case 'add_member':
    case 'remove_member': {
      const handler = handlers[action];
      if (handler) return handler(id('group'), id('account'));
      break;
    }
    case 'transfer_ownership':
      if (handlers.transfer_ownership) return handlers.transfer_ownership(id('account'), change);
      break;
    case 'suspend':
    case 'revoke_sessions':
    case 'revoke_tokens':
    case 'reset_factors':
    case 'delete': {
      const handler = handlers[action];
      if (handler) return handler(id('account'));
      break;
    }
    default:
      break;
  }
  throw new ProviderError(provider.name, refusal(String(action)));
}
