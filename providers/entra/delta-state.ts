import type { Logger } from '../../src/logger.js';
import type { DocumentStore } from '../../src/state/store.js';
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

/** The provider document the delta state is kept in. */
const KEY = 'delta.json';

/**
 * Delta state kept between runs in the state store (the provider's `delta.json` document:
 * a file of mode 0600 in the file backend, a row in PostgreSQL), and in memory within one.
 */
export class DeltaState {
  private cached: DirectoryState | undefined;

  constructor(
    private readonly documents: DocumentStore,
    private readonly connection: string,
    private readonly log: Logger,
  ) {}

  async load(): Promise<DirectoryState | undefined> {
    if (this.cached) return this.cached;
    let text: string | undefined;
    try {
      text = await this.documents.get(KEY);
    } catch (e) {
      this.log.warn(`delta state cannot be read (${(e as Error).message}); reading the whole directory`);
      return undefined;
    }
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as Partial<StateFile>;
      if (
        parsed.version !== 1 ||
        parsed.connection !== this.connection ||
        typeof parsed.usersLink !== 'string' ||
        typeof parsed.groupsLink !== 'string' ||
        !parsed.users ||
        !parsed.groups
      ) {
        this.log.info('delta state belongs to another connection or version; reading the whole directory');
        return undefined;
      }
      return { usersLink: parsed.usersLink, groupsLink: parsed.groupsLink, users: parsed.users, groups: parsed.groups };
    } catch {
      this.log.warn('delta state is unreadable; reading the whole directory');
      return undefined;
    }
  }

  async save(state: DirectoryState): Promise<void> {
    this.cached = state;
    const file: StateFile = { version: 1, connection: this.connection, ...state };
    try {
      await this.documents.put(KEY, JSON.stringify(file));
    } catch (e) {
      this.log.warn(`cannot write delta state (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the next run reads the whole directory`);
    }
  }
}
