import { hostname } from 'node:os';
import pg from 'pg';
import { UserError } from '../../errors.js';
import { redactor } from '../../policy/secrets.js';
import type { Logger } from '../../logger.js';
import type { DocumentStore, HrEventStore, StateStore, StoredHrEvent } from '../store.js';
import { TaskBook } from '../../tasks/book.js';
import { postgresJournal } from './journal.js';
import { postgresApplyLock } from './lock.js';
import { checkNotNewer, migrate, schemaVersion } from './schema.js';
import { postgresTasks } from './tasks.js';
import type { HrEvent } from '../../types/index.js';

/** How one query reaches the database: a pool that turns connection and permission failures into clear errors. */
export interface Db {
  readonly label: string;
  /** The schema, quoted for SQL. */
  readonly schema: string;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A connection of its own (the apply lock holds one for as long as it is held). */
  client(applicationName: string): Promise<pg.Client>;
}

/** A PostgreSQL connection, resolved: never printed whole (`label` is what messages show). */
export interface PostgresTarget {
  url: string;
  password: string | undefined;
  schema: string;
  label: string;
}

/**
 * The PostgreSQL backend: one schema shared by every replica and CI run that names it.
 * Opening it checks the connection (a wrong password or an unreachable server is a clear
 * error before anything else happens) and the schema version; a command that writes
 * creates or migrates the schema, a reader of a database Lockstep never wrote to sees an
 * empty state.
 */
export async function openPostgresStore(target: PostgresTarget, opts: { log: Logger; write: boolean }): Promise<StateStore> {
  // pg lets the connection string's fields override the config's (an absent password included), so a password given apart goes into the URL.
  const url = new URL(target.url);
  if (target.password !== undefined) url.password = encodeURIComponent(target.password);
  const config: pg.PoolConfig = { connectionString: url.toString(), max: 4, connectionTimeoutMillis: 10_000, application_name: 'lockstep' };
  const pool = new pg.Pool(config);
  pool.on('error', (e) => opts.log.warn(`state store ${target.label}: idle connection lost (${redactor.redact(e.message)})`));
  const schema = `"${target.schema}"`;
  const db: Db = {
    label: target.label,
    schema,
    query: (text, values) => pool.query(text, values).catch((e: unknown) => Promise.reject(pgError(e, target.label))),
    async transaction(work) {
      const client = await pool.connect().catch((e: unknown) => Promise.reject(pgError(e, target.label)));
      try {
        await client.query('BEGIN');
        const out = await work(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw pgError(e, target.label);
      } finally {
        client.release();
      }
    },
    async client(applicationName) {
      const c = new pg.Client({ ...config, application_name: applicationName.slice(0, 63) });
      await c.connect().catch((e: unknown) => Promise.reject(pgError(e, target.label)));
      return c;
    },
  };

  let version: number;
  try {
    const client = await pool.connect().catch((e: unknown) => Promise.reject(pgError(e, target.label)));
    try {
      if (opts.write) {
        const { from, to } = await migrate(client, schema, `lockstep@${hostname()}`).catch((e: unknown) => Promise.reject(pgError(e, target.label)));
        if (from !== to) opts.log.info(`state store ${target.label}: schema ${from === 0 ? 'created' : `migrated from version ${from}`} at version ${to}`);
        version = to;
      } else {
        version = await schemaVersion(client, schema).catch((e: unknown) => Promise.reject(pgError(e, target.label)));
        checkNotNewer(version, target.label);
      }
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }

  // A reader of a database Lockstep has not written to yet: nothing there.
  const empty = version === 0;
  const books = new Map<string, TaskBook>();
  return {
    backend: 'postgres',
    label: target.label,
    journal: postgresJournal(db, empty),
    acquireApplyLock: () => postgresApplyLock(db, target.schema),
    forProvider: (name) => ({ documents: postgresDocuments(db, `providers/${name}/`, empty) }),
    taskBook(name, { owner }) {
      let book = books.get(name);
      if (!book) books.set(name, (book = new TaskBook(name, postgresTasks(db, name), owner)));
      return book;
    },
    hrEvents: postgresHrEvents(db, empty),
    documents: postgresDocuments(db, '', empty),
    close: () => pool.end(),
  };
}

function postgresDocuments(db: Db, prefix: string, empty: boolean): DocumentStore {
  return {
    async get(key) {
      if (empty) return undefined;
      const r = await db.query<{ value: string }>(`SELECT value FROM ${db.schema}.documents WHERE key = $1`, [prefix + key]);
      return r.rows[0]?.value;
    },
    async put(key, value) {
      await db.query(`INSERT INTO ${db.schema}.documents (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [
        prefix + key,
        value,
      ]);
    },
  };
}

function postgresHrEvents(db: Db, empty: boolean): HrEventStore {
  const t = `${db.schema}.hr_events`;
  return {
    async record(event, receivedAt) {
      const r = await db.query(`INSERT INTO ${t} (id, event, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
        event.id,
        JSON.stringify(event),
        new Date(receivedAt),
      ]);
      return r.rowCount === 1 ? 'recorded' : 'duplicate';
    },
    async standing() {
      if (empty) return [];
      const r = await db.query<{ event: HrEvent; received_at: Date; contained_at: Date | null }>(
        `SELECT event, received_at, contained_at FROM ${t} WHERE resolved_at IS NULL ORDER BY received_at, id`,
      );
      return r.rows.map((row): StoredHrEvent => ({ event: row.event, receivedAt: row.received_at.getTime(), containedAt: row.contained_at?.getTime() ?? null }));
    },
    async resolve(id, resolution, atMs) {
      await db.query(`UPDATE ${t} SET resolved_at = $2, resolution = $3 WHERE id = $1 AND resolved_at IS NULL`, [id, new Date(atMs), resolution]);
    },
    async markContained(id, atMs) {
      const r = await db.query(`UPDATE ${t} SET contained_at = $2 WHERE id = $1 AND contained_at IS NULL`, [id, new Date(atMs)]);
      return r.rowCount === 1;
    },
  };
}

/**
 * A database failure as the user should read it: unreachable, refused credentials, no
 * such database or no permission are UserErrors naming the store (without its password);
 * anything else keeps its message, redacted.
 */
export function pgError(e: unknown, label: string): Error {
  if (e instanceof UserError) return e;
  const err = e as Error & { code?: string; errors?: Error[] };
  const message = redactor.redact(err?.message ?? String(e));
  switch (err?.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return new UserError(`cannot reach the state store ${label}: ${err.code}; nothing was read or applied`);
    case '28P01':
    case '28000':
      return new UserError(`the state store ${label} refused the credentials: ${message}; nothing was read or applied`);
    case '3D000':
      return new UserError(`the state store ${label}: ${message}; create the database first`);
    case '42501':
      return new UserError(`the state store ${label}: permission denied (${message}); see deploy/README.md for the grants Lockstep needs`);
    default:
      if (/client password must be a string/.test(message)) {
        return new UserError(
          `the state store ${label} needs a password: give it by reference (PGPASSWORD, ~/.pgpass, Config state.password: "\${file:…}", or a \${env:NAME} reference to the whole URL)`,
        );
      }
      if (/timeout/i.test(message) && /connect/i.test(message)) return new UserError(`cannot reach the state store ${label}: ${message}; nothing was read or applied`);
      if (err?.errors?.length) return new UserError(`cannot reach the state store ${label}: ${err.errors.map((x) => redactor.redact(x.message)).join('; ')}`);
      return new Error(`state store ${label}: ${message}`, { cause: e });
  }
}
