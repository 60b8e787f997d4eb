import { expiryInstant } from '../plan/expiry.js';
import type { Policy } from '../policy/model.js';
import { confirmationsOf } from '../provider/connect.js';
import { TaskBook, taskFolder } from '../../providers/manual/tasks.js';
import type { PlanChange } from '../types/index.js';

/**
 * Every provider's manual work goes to a task book: the provider's `tasks` folder (or
 * <state>/tasks/<name>), owned by its `owner`; a Confirmation document closes a task.
 */
export function taskDesk(policy: Policy, state: string) {
  const confirmations = confirmationsOf(policy);
  const books = new Map<string, TaskBook>();
  return (name: string) => {
    let book = books.get(name);
    if (!book) {
      const conn = policy.config.doc.spec.providers[name] as { tasks?: string; owner?: string } | undefined;
      book = TaskBook.at(name, taskFolder(conn?.tasks, { name, policyDir: policy.dir, stateDir: state }), conn?.owner);
      books.set(name, book);
    }
    const b = book;
    return { apply: (change: PlanChange) => b.apply(change, confirmations) };
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
