import { byOpenedAt, TaskBook, type Confirmations, type TaskRecord, type TaskStorage } from '../../src/tasks/book.js';
import type { TaskDesk } from '../../src/tasks/desk.js';
import type { PlanChange } from '../../src/types/index.js';

/** Open tasks in memory, as a state store would keep them. */
export function memoryTaskStorage(provider: string): TaskStorage {
  const records = new Map<string, TaskRecord>();
  return {
    get: async (id) => records.get(id),
    async put(record) {
      const same = JSON.stringify(records.get(record.id)) === JSON.stringify(record);
      records.set(record.id, record);
      return !same;
    },
    remove: async (id) => void records.delete(id),
    list: async () => [...records.values()].sort(byOpenedAt),
    locate: (id) => `task ${id} of ${provider} in memory`,
  };
}

/**
 * A task desk over real task books kept in memory, for applies in tests: `handed` lists
 * every change given to it, and `confirmations` closes tasks as Confirmation documents do.
 */
export function aTaskDesk(confirmations: Confirmations = new Map()): { desk: TaskDesk; handed: PlanChange[]; books: Map<string, TaskBook> } {
  const handed: PlanChange[] = [];
  const books = new Map<string, TaskBook>();
  const desk: TaskDesk = (provider) => {
    let book = books.get(provider);
    if (!book) books.set(provider, (book = new TaskBook(provider, memoryTaskStorage(provider), undefined)));
    const found = book;
    return {
      apply: (change) => {
        handed.push(change);
        return found.apply(change, confirmations);
      },
    };
  };
  return { desk, handed, books };
}
