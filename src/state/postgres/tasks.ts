import { byOpenedAt, type TaskRecord, type TaskStorage } from '../../tasks/book.js';
import type { Db } from './store.js';

/** One provider's open tasks as rows of the tasks table; `lockstep report` lists them with their age. */
export function postgresTasks(db: Db, provider: string): TaskStorage {
  const t = `${db.schema}.tasks`;
  return {
    async get(id) {
      const r = await db.query<{ record: TaskRecord }>(`SELECT record FROM ${t} WHERE provider = $1 AND change_id = $2`, [provider, id]);
      return r.rows[0]?.record;
    },
    async put(record) {
      const r = await db.query(
        `INSERT INTO ${t} (provider, change_id, record) VALUES ($1, $2, $3)
         ON CONFLICT (provider, change_id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()
         WHERE ${t}.record IS DISTINCT FROM EXCLUDED.record`,
        [provider, record.id, JSON.stringify(record)],
      );
      return r.rowCount === 1;
    },
    async remove(id) {
      await db.query(`DELETE FROM ${t} WHERE provider = $1 AND change_id = $2`, [provider, id]);
    },
    async list() {
      const r = await db.query<{ record: TaskRecord }>(`SELECT record FROM ${t} WHERE provider = $1`, [provider]);
      return r.rows.map((row) => row.record).sort(byOpenedAt);
    },
    locate: (id) => `task ${id} of ${provider} in ${db.label}`,
  };
}
