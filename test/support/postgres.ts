import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';

/** The test PostgreSQL server (test/global-setup.ts), or null when none could be started. */
export const testPostgres = inject('postgres');

/** `describe` for suites that need PostgreSQL: skipped (and reported as such) without a server. */
export const describeWithPostgres = testPostgres ? describe : describe.skip;

/** A database of its own for one test: a URL without the password, and the password to give by reference. */
export interface TestDatabase {
  name: string;
  url: string;
  password: string;
  /** Runs SQL as the superuser in this database (for tests that tamper or inspect). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
}

async function admin<T>(database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const server = testPostgres!;
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  url.password = server.password;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database on the test server. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin('postgres', (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(testPostgres!.url);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    password: testPostgres!.password,
    sql: async (text, values) => admin(name, async (c) => (await c.query(text, values)).rows),
  };
}
