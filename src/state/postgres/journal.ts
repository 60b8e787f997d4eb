import { UserError } from '../../errors.js';
import { checkTail, makeCheckpoint, parseCheckpoint, type JournalCheckpoint } from '../../journal/checkpoint.js';
import { parseRecord, type JournalLine } from '../../journal/record.js';
import { verifyJournalLines } from '../../journal/verify.js';
import { JournalWriter, type ChainHead, type JournalStorage } from '../../journal/writer.js';
import type { JournalRecord } from '../../types/index.js';
import type { JournalStore } from '../store.js';
import type { Db } from './store.js';

/**
 * The journal as a table: one row per record (`seq`, and the record's line exactly as
 * written), and its checkpoint in a table of its own, moved in the same transaction as
 * every append — so unlike a file there is no moment when the two may disagree, and any
 * disagreement is damage.
 */
export function postgresJournal(db: Db, empty: boolean): JournalStore {
  const journal = `${db.schema}.journal`;
  const checkpointTable = `${db.schema}.journal_checkpoint`;
  const label = `${db.label} table journal`;

  const readCheckpoint = async (): Promise<JournalCheckpoint | null> => {
    const r = await db.query<{ checkpoint: string }>(`SELECT checkpoint FROM ${checkpointTable} WHERE id = 1`);
    return r.rows[0] ? parseCheckpoint(r.rows[0].checkpoint, `${db.label} table journal_checkpoint`) : null;
  };
  const readLines = async (): Promise<JournalLine[]> => {
    const r = await db.query<{ line: string }>(`SELECT line FROM ${journal} ORDER BY seq`);
    return r.rows.map((row, i) => ({ line: i + 1, bytes: Buffer.from(row.line, 'utf8'), terminated: true }));
  };

  // The first open by this process verifies every row; later ones the tail, as this process left it.
  let verified = false;
  return {
    label,
    layout: { unit: 'row', afterCheckpoint: 'fail' },
    async open(opts) {
      const head = await chainHead();
      verified = true;
      return new JournalWriter(storage(), head, opts);

      async function chainHead(): Promise<ChainHead> {
        const refuse = (why: string) => new UserError(`journal ${label} ${why}; nothing was written. Run \`lockstep audit verify\` to inspect it.`);
        const counts = await db.query<{ n: string; last: string | null }>(`SELECT count(*) AS n, max(seq) AS last FROM ${journal}`);
        const n = Number(counts.rows[0]!.n);
        const last = counts.rows[0]!.last === null ? 0 : Number(counts.rows[0]!.last);
        const cp = await readCheckpoint();
        const signer = opts.signer ?? null;
        if (n !== 0 && n !== last) throw refuse(`has a gap: it holds ${n} rows but its seq runs to ${last}, so rows were removed`);
        const tail = n === 0 ? null : Buffer.from((await db.query<{ line: string }>(`SELECT line FROM ${journal} WHERE seq = $1`, [last])).rows[0]!.line, 'utf8');
        const { head, last: record, agree } = checkTail(tail, cp, signer, refuse);
        if (record === null) return head;
        if (record.seq !== last) throw refuse(`row seq ${last} holds the record of seq ${record.seq}`);
        if (agree && verified) return head;
        const result = verifyJournalLines(await readLines(), { checkpoint: cp, verifier: signer, unit: 'row', afterCheckpoint: 'fail' });
        if (agree && result.ok) return head;
        throw refuse(result.ok ? 'does not match its checkpoint' : `does not verify: ${result.message}`);
      }

      function storage(): JournalStorage {
        return {
          label,
          async write(lines, at) {
            const first = at.seq - lines.length + 1;
            const checkpoint = makeCheckpoint(at, (opts.clock ?? (() => new Date()))(), opts.signer ?? null);
            await db.transaction(async (client) => {
              // The checkpoint row is the writers' turnstile: one append at a time, and only onto the head it expects.
              const current = await client.query<{ seq: string }>(`SELECT seq FROM ${checkpointTable} WHERE id = 1 FOR UPDATE`);
              const headSeq = current.rows[0] ? Number(current.rows[0].seq) : 0;
              if (headSeq !== first - 1) throw new Error(`the journal head moved to seq ${headSeq} while this writer expected ${first - 1}: another writer appended`);
              await client.query(`INSERT INTO ${journal} (seq, line) SELECT * FROM unnest($1::bigint[], $2::text[])`, [lines.map((_, i) => first + i), lines]);
              await client.query(
                `INSERT INTO ${checkpointTable} (id, seq, line_hash, checkpoint) VALUES (1, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, line_hash = EXCLUDED.line_hash, checkpoint = EXCLUDED.checkpoint`,
                [at.seq, at.lineHash, JSON.stringify(checkpoint)],
              );
            });
          },
          close: async () => {},
        };
      }
    },
    async read() {
      if (empty) return [];
      const records: JournalRecord[] = [];
      for (const l of await readLines()) {
        const p = parseRecord(l.bytes);
        if ('problem' in p) throw new UserError(`journal ${label}: row ${l.line} is not a journal record: ${p.problem}`);
        records.push(p.record);
      }
      return records;
    },
    async content() {
      if (empty) return null;
      const [lines, checkpoint] = [await readLines(), await readCheckpoint()];
      return lines.length === 0 && checkpoint === null ? null : { lines, checkpoint };
    },
  };
}
