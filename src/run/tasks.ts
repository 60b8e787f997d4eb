import { expiryInstant } from '../policy/expiry.js';
import type { Policy } from '../policy/model.js';
import { confirmationsOf } from './connect.js';
import type { StateStore } from '../state/store.js';
import type { PlanChange } from '../types/index.js';

/**
 * Every provider's manual work goes to its task book in the state store (owned by the
 * provider's `owner`, in its `tasks` folder with the file backend); a Confirmation
 * document closes a task.
 */
export function taskDesk(policy: Policy, store: StateStore) {
  const confirmations = confirmationsOf(policy);
  return (name: string) => {
    const conn = policy.config.doc.spec.providers[name] as { tasks?: string; owner?: string } | undefined;
    const book = store.forProvider(name, policy.dir).tasks({ folder: conn?.tasks, owner: conn?.owner });
    return { apply: (change: PlanChange) => book.apply(change, confirmations) };
  };
}

/** Change ids named by unexpired Approval documents, with the approval that names them. */
export function approvedChangeIds(policy: Policy, nowMs: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of policy.approvals) {
    if (nowMs >= expiryInstant(a.doc.spec.expires)) continue;
    for (const id of a.doc.spec.changes ?? []) out.set(id, `Approval/${a.doc.metadata.name}`);
  }
  return out;
}
