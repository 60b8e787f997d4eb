import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { ZERO_HASH, lineHash, parseRecord, recordHash, splitLines, type JournalLine } from './record.js';
import type { JournalRecord } from '../types/index.js';

/**
 * How the first bad line was damaged:
 * - edited: a record's content no longer matches its own hash, or it matches a recomputed
 *   hash but the next record's `prev` no longer matches its bytes;
 * - deleted: a seq is missing and appears nowhere later;
 * - reordered: a seq is out of place and the expected one appears later;
 * - inserted: a seq that already appeared earlier appears again;
 * - malformed: a complete line that is not a journal record;
 * - torn: the last line has no newline (a write that did not finish).
 */
export type TamperReason = 'edited' | 'deleted' | 'reordered' | 'inserted' | 'malformed' | 'torn';

export interface VerifyResult {
  ok: boolean;
  /** Records verified intact from the start of the file up to the first bad one (all when ok). */
  records: number;
  /** The last intact record: its seq and the SHA-256 of its line, an anchor to keep elsewhere. */
  head: { seq: number; lineHash: string } | null;
  /** The first bad line; `seq` is the record's seq, or for `deleted` the first missing seq. */
  firstBad?: { line: number; seq: number | null; reason: TamperReason };
  message: string;
}

/**
 * Checks the whole chain of a journal file and names the first bad record. Three checks
 * together tell the kinds of damage apart: a record's own hash (content edits), seq
 * continuity with a look-ahead (deletions vs reorderings vs insertions) and the `prev`
 * link (a record rewritten with a recomputed hash breaks its successor's link).
 * A rewrite of the very last record with a recomputed hash, or a truncation at the end,
 * can only be caught against an anchor kept elsewhere (the SIEM copy, or `head`).
 */
export async function verifyJournal(path: string): Promise<VerifyResult> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`journal ${path} does not exist`);
    throw new UserError(`journal ${path} cannot be read: ${(e as Error).message}`);
  }
  return verifyJournalContent(content);
}

export { verifyJournal as verify };

export function verifyJournalContent(content: Buffer): VerifyResult {
  const lines = splitLines(content);
  const parsed = lines.map((l) => parseRecord(l.bytes));
  const seqAt = (i: number): number | null => {
    const p = parsed[i];
    return p && 'record' in p ? p.record.seq : null;
  };
  let prevLineHash = ZERO_HASH;
  let head: VerifyResult['head'] = null;
  let count = 0;
  const bad = (line: number, seq: number | null, reason: TamperReason, message: string): VerifyResult => ({
    ok: false,
    records: count,
    head,
    firstBad: { line, seq, reason },
    message,
  });

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as JournalLine;
    const p = parsed[i]!;
    const expected = count + 1;
    if (!l.terminated) {
      return bad(l.line, seqAt(i), 'torn', `line ${l.line} is incomplete (no newline at the end of the file): a write was interrupted`);
    }
    if ('problem' in p) return bad(l.line, null, 'malformed', `line ${l.line} is not a journal record: ${p.problem}`);
    const r: JournalRecord = p.record;
    if (recordHash(r) !== r.hash) {
      return bad(l.line, r.seq, 'edited', `line ${l.line} (seq ${r.seq}) was changed after it was written: its content does not match its hash`);
    }
    if (canonicalJson(r) !== l.bytes.toString('utf8')) {
      return bad(l.line, r.seq, 'edited', `line ${l.line} (seq ${r.seq}) was rewritten after it was written: it is not the exact text the journal wrote`);
    }
    if (r.seq > expected) {
      const later = parsed.findIndex((_, j) => j > i && seqAt(j) === expected);
      if (later !== -1) {
        return bad(l.line, r.seq, 'reordered', `line ${l.line} holds seq ${r.seq} where seq ${expected} was expected; seq ${expected} is at line ${later + 1}: records were reordered`);
      }
      const missing = r.seq - 1 === expected ? `seq ${expected} is` : `seqs ${expected}–${r.seq - 1} are`;
      return bad(l.line, expected, 'deleted', `record ${missing} missing before line ${l.line} (which holds seq ${r.seq}): records were deleted`);
    }
    if (r.seq < expected) {
      const earlier = parsed.findIndex((_, j) => j < i && seqAt(j) === r.seq);
      return bad(l.line, r.seq, 'inserted', `line ${l.line} repeats seq ${r.seq}${earlier === -1 ? '' : ` (already at line ${earlier + 1})`}: a record was inserted`);
    }
    if (r.prev !== prevLineHash) {
      if (i === 0) return bad(l.line, r.seq, 'edited', `line 1 (seq ${r.seq}) does not start a chain: its prev is not the zero hash`);
      return bad(i, r.seq - 1, 'edited', `line ${i} (seq ${r.seq - 1}) was changed after it was written: line ${l.line} (seq ${r.seq}) no longer links to it`);
    }
    prevLineHash = lineHash(l.bytes);
    head = { seq: r.seq, lineHash: prevLineHash };
    count++;
  }
  return {
    ok: true,
    records: count,
    head,
    message: count === 0 ? 'journal is empty' : `journal intact: ${count} record${count === 1 ? '' : 's'}, seq 1–${count}, chain verified`,
  };
}
