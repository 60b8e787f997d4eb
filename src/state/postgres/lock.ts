import { hostname } from 'node:os';
import { UserError } from '../../errors.js';
import { redactor } from '../../policy/secrets.js';
import { LOCK_CLASS } from './schema.js';
import type { Db } from './store.js';

/**
 * The apply lock as a PostgreSQL session advisory lock, held by a connection of its own
 * for as long as the apply runs: two applies on one schema exclude each other whatever
 * machine they run on, and a holder that dies (SIGKILL, a lost node) releases it with its
 * connection, so no stale lock is ever left to clear by hand. The holder is named through
 * the connection's application_name.
 */
export async function postgresApplyLock(db: Db, schema: string): Promise<() => Promise<void>> {
  const name = `lockstep.apply:${schema}`;
  const me = `lockstep apply pid ${process.pid} on ${hostname()}`;
  const client = await db.client(me);
  let lost = false;
  client.on('error', (e) => {
    lost = true;
    process.emitWarning(`the apply lock on ${db.label} was lost with its connection: ${redactor.redact(e.message)}`);
  });
  try {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_CLASS, name]);
    if (!r.rows[0]?.ok) {
      const holder = await client.query<{ application_name: string; client_addr: string | null; backend_start: Date }>(
        `SELECT a.application_name, a.client_addr::text AS client_addr, a.backend_start
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = hashtext($2)::oid AND l.objsubid = 2`,
        [LOCK_CLASS, name],
      );
      const h = holder.rows[0];
      const who = h
        ? `${h.application_name || 'another session'}${h.client_addr ? ` from ${h.client_addr}` : ''} since ${h.backend_start.toISOString()}`
        : 'another session';
      throw new UserError(`another apply is running on this state (${db.label}): the apply lock is held by ${who}; wait for it to finish`);
    }
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      if (!lost) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, name]);
    } finally {
      await client.end().catch(() => {});
    }
  };
}
