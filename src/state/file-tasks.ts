import { readdir, readFile, rm } from 'node:fs/promises';
import { replaceFileDurably } from '../files/durable.js';
import { isAbsolute, join, resolve } from 'node:path';
import { renderTaskList } from '../tasks/checklist.js';
import { byOpenedAt, type TaskRecord, type TaskStorage } from '../tasks/book.js';

export const TASK_LIST_FILE = 'TASKS.md';

/** A provider's tasks folder: Config `tasks` relative to the policy folder, else `<state>/tasks/<provider>`. */
export function taskFolder(tasks: string | undefined, where: { name: string; policyDir: string; stateDir: string }): string {
  if (!tasks) return join(where.stateDir, 'tasks', where.name);
  return isAbsolute(tasks) ? tasks : resolve(where.policyDir, tasks);
}

/**
 * Tasks as files: one `<change id>.json` per open task in the provider's folder, plus a
 * `TASKS.md` checklist rebuilt from them whenever the set changes. Files are replaced by
 * rename, so a reader never sees half a task.
 */
export class FileTaskStorage implements TaskStorage {
  constructor(
    private readonly provider: string,
    readonly dir: string,
  ) {}

  async get(id: string): Promise<TaskRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.locate(id), 'utf8')) as TaskRecord;
    } catch {
      return undefined;
    }
  }

  async put(record: TaskRecord): Promise<boolean> {
    const path = this.locate(record.id);
    const text = `${JSON.stringify(record, null, 2)}\n`;
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (existing !== text) await replaceFileDurably(path, text);
    if (existing !== text || !(await exists(join(this.dir, TASK_LIST_FILE)))) await this.renderList();
    return existing !== text;
  }

  async remove(id: string): Promise<void> {
    const path = this.locate(id);
    if (!(await exists(path))) return;
    await rm(path);
    await this.renderList();
  }

  async list(): Promise<TaskRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records: TaskRecord[] = [];
    for (const n of names.filter((f) => f.endsWith('.json')).sort()) {
      const r = await this.get(n.slice(0, -'.json'.length));
      if (r) records.push(r);
    }
    return records.sort(byOpenedAt);
  }

  locate(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private async renderList(): Promise<void> {
    await replaceFileDurably(join(this.dir, TASK_LIST_FILE), renderTaskList(this.provider, await this.list()));
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}
