import { expiryInstant } from '../policy/expiry.js';
import type { Policy } from '../policy/model.js';
import type { StateStore } from '../state/store.js';
import type { Confirmation, Confirmations } from '../tasks/book.js';
import type { TaskDesk } from '../tasks/desk.js';
import type { PlanChange } from '../types/index.js';

/**
 * Every provider's manual work goes to its task book in the state store (owned by the
 * provider's `owner`, in its `tasks` folder with the file backend); a Confirmation
 * document closes a task.
 */
export function taskDesk(policy: Policy, store: StateStore): TaskDesk {
  return taskDeskOver(store, { policyDir: policy.dir, connections: policy.config.doc.spec.providers, confirmations: confirmationsOf(policy) });
}

/** The task desk over a state store's task books, for Config connections (their `owner` and `tasks`). */
export function taskDeskOver(
  store: StateStore,
  config: { policyDir: string; connections: Readonly<Record<string, { type: string; tasks?: unknown; owner?: unknown } | undefined>>; confirmations: Confirmations },
): TaskDesk {
  return (name: string) => {
    const conn = config.connections[name];
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const book = store.taskBook(name, { policyDir: config.policyDir, folder: text(conn?.tasks), owner: text(conn?.owner) });
    return { apply: (change: PlanChange) => book.apply(change, config.confirmations) };
  };
}

/** Change ids confirmed done by Confirmation documents, with who, when and where. */
export function confirmationsOf(policy: Policy): Map<string, Confirmation> {
  const out = new Map<string, Confirmation>();
  for (const c of policy.confirmations) {
    const at = c.locate(['spec', 'changes']);
    for (const id of c.doc.spec.changes) {
      out.set(id, { by: c.doc.spec.confirmedBy, at: c.doc.spec.confirmedAt, source: `${at.file}:${at.line}` });
    }
  }
  return out;
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
