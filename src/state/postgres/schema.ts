import type { PoolClient } from 'pg';
import { UserError } from '../../errors.js';

/**
 * The PostgreSQL schema, versioned. Each migration runs once, in its own transaction, in
 * order; `schema_version` records which ran. Lockstep creates and migrates the schema when
 * a command that writes state starts (apply, the controller), under an advisory lock so
 * that replicas starting together migrate once. A database whose schema is newer than this
 * Lockstep knows is refused: an older build must not write to it.
 *
 * Grants for a least-privilege runtime role (see deploy/README.md): the journal is
 * insert-only (SELECT, INSERT; a trigger refuses UPDATE, DELETE and TRUNCATE even for its
 * owner until the trigger is dropped, which itself leaves a trace in the catalog); the
 * checkpoint, tasks, documents and HR events are read and written.
 */
export const MIGRATIONS: readonly ((schema: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.journal (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      line text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE ${s}.journal IS 'Lockstep audit journal: one canonical JSON record per row, hash-chained; append-only';
    CREATE TABLE ${s}.journal_checkpoint (
      id smallint PRIMARY KEY CHECK (id = 1),
      seq bigint NOT NULL,
      line_hash text NOT NULL,
      checkpoint text NOT NULL
    );
    COMMENT ON TABLE ${s}.journal_checkpoint IS 'The journal head, moved in the same transaction as every append: catches truncation and re-hashed tails';
    CREATE FUNCTION ${s}.journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'the Lockstep journal is append-only: % refused', TG_OP;
    END
    $fn$;
    CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON ${s}.journal FOR EACH ROW EXECUTE FUNCTION ${s}.journal_append_only();
    CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON ${s}.journal FOR EACH STATEMENT EXECUTE FUNCTION ${s}.journal_append_only();
    CREATE TABLE ${s}.tasks (
      provider text NOT NULL,
      change_id text NOT NULL,
      record jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, change_id)
    );
    CREATE TABLE ${s}.documents (
      key text PRIMARY KEY,
      value text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${s}.hr_events (
      id text PRIMARY KEY,
      event jsonb NOT NULL,
      received_at timestamptz NOT NULL,
      contained_at timestamptz,
      resolved_at timestamptz,
      resolution text
    );
    CREATE INDEX hr_events_standing ON ${s}.hr_events (received_at, id) WHERE resolved_at IS NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Both halves of the advisory-lock keys Lockstep takes: a fixed class, and the hash of a name. */
export const LOCK_CLASS = 0x4c53; // "LS"

/** The schema's version, or 0 when it has none yet (no schema_version table). */
export async function schemaVersion(client: PoolClient, schema: string): Promise<number> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${schema}.schema_version`]);
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${schema}.schema_version`);
  return r.rows[0]?.v ?? 0;
}

/** Refuses a schema this Lockstep is too old for. */
export function checkNotNewer(version: number, label: string): void {
  if (version > SCHEMA_VERSION) {
    throw new UserError(
      `the state schema in ${label} is version ${version}, from a newer Lockstep (this one knows up to version ${SCHEMA_VERSION}); nothing was read or written. Upgrade Lockstep, or point it at another schema`,
    );
  }
}

/**
 * Creates the schema or brings it to SCHEMA_VERSION, once, however many processes start
 * together: the first takes the migration lock and migrates, the others wait for it and
 * find nothing left to do.
 */
export async function migrate(client: PoolClient, schema: string, by: string): Promise<{ from: number; to: number }> {
  // Up to date: no DDL at all, so a runtime role granted only what deploy/postgres/grants.sql
  // gives it (no CREATE) starts without error.
  const current = await schemaVersion(client, schema);
  checkNotNewer(current, schema);
  if (current === SCHEMA_VERSION) return { from: current, to: current };
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, `lockstep.migrate:${schema}`]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL)`,
    );
    const from = await schemaVersion(client, schema);
    checkNotNewer(from, schema);
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]!(schema));
        await client.query(`INSERT INTO ${schema}.schema_version (version, applied_by) VALUES ($1, $2)`, [v, by]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    }
    return { from, to: SCHEMA_VERSION };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, `lockstep.migrate:${schema}`]);
  }
}
