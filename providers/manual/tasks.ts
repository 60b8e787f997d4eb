import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { ApplyOutcome, ProviderContext } from '../../src/provider/provider.js';
import type { PlanChange } from '../../src/types/index.js';
import { renderTaskList } from './task-list.js';

/**
 * An open task: work an app owner does by hand. One `<change id>.json` per task in the
 * provider's tasks folder, plus a `TASKS.md` checklist rebuilt from them. A task stays
 * open until a Confirmation document names its change id.
 */
export interface TaskRecord {
  id: string;
  provider: string;
  status: 'open';
  /** The action the owner carries out by hand (suspend, revoke_sessions, ...). */
  action: string;
  owner: string;
  instructions: string;
  person: string | null;
  account?: { id: string; login: string };
  group?: { id: string; name: string };
  reason: string;
  /** When Lockstep first handed the task out; kept on every later apply. */
  openedAt: string;
}

export const TASK_LIST_FILE = 'TASKS.md';

/** A provider's tasks folder: `tasks` relative to the policy folder, else `<state>/tasks/<provider>`. */
export function taskFolder(tasks: string | undefined, ctx: Pick<ProviderContext, 'name' | 'policyDir' | 'stateDir'>): string {
  if (!tasks) return join(ctx.stateDir, 'tasks', ctx.name);
  return isAbsolute(tasks) ? tasks : resolve(ctx.policyDir, tasks);
}

/**
 * The task folder of one provider. Writes are serialised, so changes applied in
 * parallel never lose a task from TASKS.md; re-applying an open task rewrites nothing.
 */
export class TaskBook {
  private static readonly open = new Map<string, TaskBook>();
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The one task book of a folder in this process: every writer of a folder shares its
   * queue, so TASKS.md is never rewritten by two writers at once.
   */
  static at(provider: string, dir: string, defaultOwner: string | undefined): TaskBook {
    const key = resolve(dir);
    let book = TaskBook.open.get(key);
    if (!book) {
      book = new TaskBook(provider, key, defaultOwner);
      TaskBook.open.set(key, book);
    }
    return book;
  }

  constructor(
    readonly provider: string,
    readonly dir: string,
    private readonly defaultOwner: string | undefined,
  ) {}

  /** Confirmed → ok (and the task is closed); otherwise the task is written and stays pending. */
  apply(change: PlanChange, confirmations: ProviderContext['confirmations']): Promise<ApplyOutcome> {
    return this.serialised(async () => {
      const confirmed = confirmations.get(change.id);
      if (confirmed) {
        await this.remove(change.id);
        return { result: 'ok', detail: `confirmed by ${confirmed.by} at ${confirmed.at} (${confirmed.source})` };
      }
      const record = this.recordFor(change, await this.read(change.id));
      const path = join(this.dir, `${change.id}.json`);
      const existing = await readFile(path, 'utf8').catch(() => undefined);
      const text = `${JSON.stringify(record, null, 2)}\n`;
      if (existing !== text) await writeAtomic(path, text);
      if (existing !== text || !(await exists(join(this.dir, TASK_LIST_FILE)))) await this.renderList();
      return { result: 'pending', detail: `task for ${record.owner} is open until confirmed: ${path}` };
    });
  }

  /** The open tasks, oldest first. */
  async list(): Promise<TaskRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records: TaskRecord[] = [];
    for (const n of names.filter((f) => f.endsWith('.json')).sort()) {
      const r = await this.read(n.slice(0, -'.json'.length));
      if (r) records.push(r);
    }
    return records.sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
  }

  private recordFor(change: PlanChange, existing: TaskRecord | undefined): TaskRecord {
    const account = change.target.account;
    const group = change.target.group;
    const subject = account ? `account ${account.login}` : group ? `group ${group.name}` : 'the app';
    const owner = change.task?.owner ?? this.defaultOwner ?? 'the app owner';
    return {
      id: change.id,
      provider: this.provider,
      status: 'open',
      action: change.task?.action ?? change.action,
      owner,
      instructions: change.task?.instructions ?? `${change.action.replace(/_/g, ' ')} for ${subject} in ${this.provider}`,
      person: change.person,
      ...(account ? { account: { id: account.id, login: account.login } } : {}),
      ...(group ? { group: { id: group.id, name: group.name } } : {}),
      reason: `${change.reason.rule} (${change.reason.kind}): ${change.reason.detail}`,
      openedAt: existing?.openedAt ?? new Date().toISOString(),
    };
  }

  private async read(id: string): Promise<TaskRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as TaskRecord;
    } catch {
      return undefined;
    }
  }

  private async remove(id: string): Promise<void> {
    const path = join(this.dir, `${id}.json`);
    if (!(await exists(path))) return;
    await rm(path);
    await this.renderList();
  }

  private async renderList(): Promise<void> {
    await writeAtomic(join(this.dir, TASK_LIST_FILE), renderTaskList(this.provider, await this.list()));
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/** Write-then-rename, so a reader never sees half a task file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
