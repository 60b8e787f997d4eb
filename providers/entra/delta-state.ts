import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../src/provider/provider.js';
import type { GraphUser } from './mapping.js';

/** The directory as last observed, with the delta links that continue from it. No secrets. */
export interface DirectoryState {
  usersLink: string;
  groupsLink: string;
  users: Record<string, GraphUser>;
  groups: Record<string, { name: string; members: string[] }>;
}

interface StateFile extends DirectoryState {
  version: 1;
  /** The connection the state belongs to (tenant, app and Graph root): another one starts afresh. */
  connection: string;
}

/**
 * Delta state kept in `<stateDir>/entra/<provider>.json` between runs (and in memory
 * within one), written atomically: a temporary file, then a rename, mode 0600.
 */
export class DeltaState {
  private cached: DirectoryState | undefined;

  constructor(
    readonly path: string,
    private readonly connection: string,
    private readonly log: Logger,
  ) {}

  static at(stateDir: string, provider: string, connection: string, log: Logger): DeltaState {
    return new DeltaState(join(stateDir, 'entra', `${provider.replace(/[^\w.-]/g, '_')}.json`), connection, log);
  }

  async load(): Promise<DirectoryState | undefined> {
    if (this.cached) return this.cached;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as Partial<StateFile>;
      if (parsed.version !== 1 || parsed.connection !== this.connection || typeof parsed.usersLink !== 'string' || typeof parsed.groupsLink !== 'string' || !parsed.users || !parsed.groups) {
        this.log.info(`delta state ${this.path} belongs to another connection or version; reading the whole directory`);
        return undefined;
      }
      return { usersLink: parsed.usersLink, groupsLink: parsed.groupsLink, users: parsed.users, groups: parsed.groups };
    } catch {
      this.log.warn(`delta state ${this.path} is unreadable; reading the whole directory`);
      return undefined;
    }
  }

  async save(state: DirectoryState): Promise<void> {
    this.cached = state;
    const file: StateFile = { version: 1, connection: this.connection, ...state };
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await writeFile(tmp, JSON.stringify(file), { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      this.log.warn(`cannot write delta state ${this.path} (${(e as NodeJS.ErrnoException).code ?? 'error'}); the next run reads the whole directory`);
    }
  }
}
