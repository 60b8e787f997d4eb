import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { parseRecord, splitLines } from './record.js';
import type { JournalRecord } from '../types/index.js';

/**
 * Reads every record of a journal file in order, for planning and reports. A missing file
 * is an empty journal. A torn last line (a write that did not finish) is left out: it was
 * never acknowledged. Any other line that is not a record is an error. The chain is not
 * checked here; `verifyJournal` does that.
 */
export async function readJournal(path: string): Promise<JournalRecord[]> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UserError(`journal ${path} cannot be read: ${(e as Error).message}`);
  }
  const records: JournalRecord[] = [];
  for (const l of splitLines(content)) {
    if (!l.terminated) break;
    const p = parseRecord(l.bytes);
    if ('problem' in p) throw new UserError([{ message: `not a journal record: ${p.problem}`, at: { file: path, line: l.line, col: 1 } }]);
    records.push(p.record);
  }
  return records;
}
