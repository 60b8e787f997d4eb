import type { PlanChange } from '../types/index.js';

/**
 * An open task: work an app owner does by hand. A task stays open until a Confirmation
 * document names its change id; its `openedAt` is kept on every later apply.
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
  /** When Lockstep first handed the task out. */
  openedAt: string;
}

/** Where one provider's open tasks are kept: a folder (file backend) or a table. */
export interface TaskStorage {
  get(id: string): Promise<TaskRecord | undefined>;
  /** Stores the record; false when the stored one was already exactly this. */
  put(record: TaskRecord): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** The open tasks, oldest first. */
  list(): Promise<TaskRecord[]>;
  /** Where an owner finds the task, for the apply's detail line. */
  locate(id: string): string;
}

/** Who confirmed a change done (a Confirmation document), when, and where that is written. */
export interface Confirmation {
  readonly by: string;
  readonly at: string;
  /** `file:line` of the Confirmation naming the change. */
  readonly source: string;
}

/** Confirmed change ids. */
export type Confirmations = ReadonlyMap<string, Confirmation>;

/** What handing out one task did: `ok` once confirmed, else `pending` (open until then). */
export interface TaskOutcome {
  result: 'ok' | 'pending';
  detail: string;
}

/**
 * One provider's manual work. A confirmed change closes its task (`ok`); any other is
 * written (or kept) as an open task and stays `pending`. Calls are serialised, so changes
 * applied in parallel never lose a task; re-applying an open task rewrites nothing.
 */
export class TaskBook {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly provider: string,
    private readonly storage: TaskStorage,
    private readonly defaultOwner: string | undefined,
  ) {}

  apply(change: PlanChange, confirmations: Confirmations): Promise<TaskOutcome> {
    return this.serialised(async () => {
      const confirmed = confirmations.get(change.id);
      if (confirmed) {
        await this.storage.remove(change.id);
        return { result: 'ok', detail: `confirmed by ${confirmed.by} at ${confirmed.at} (${confirmed.source})` };
      }
      const record = this.recordFor(change, await this.storage.get(change.id));
      await this.storage.put(record);
      return { result: 'pending', detail: `task for ${record.owner} is open until confirmed: ${this.storage.locate(change.id)}` };
    });
  }

  list(): Promise<TaskRecord[]> {
    return this.storage.list();
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

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Orders tasks oldest first, then by change id. */
export function byOpenedAt(a: TaskRecord, b: TaskRecord): number {
  return a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id);
}
