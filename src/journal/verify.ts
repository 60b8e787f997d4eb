import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { Verifier } from '../signing/ed25519.js';
import { canonicalJson } from './canonical-json.js';
import { checkpointPathFor, checkpointSignature, readCheckpointFile, type JournalCheckpoint } from './checkpoint.js';
import { ZERO_HASH, lineHash, parseRecord, splitLines, recordHash, type JournalLine } from './record.js';
import type { JournalRecord } from '../types/index.js';

/**
 * How the first bad record was damaged:
 * - edited: a record's content no longer matches its own hash, or it matches a recomputed
 *   hash but the next record's `prev` (or the checkpoint) no longer matches its bytes;
 * - deleted: a seq is missing and appears nowhere later;
 * - reordered: a seq is out of place and the expected one appears later;
 * - inserted: a seq that already appeared earlier appears again;
 * - malformed: a complete line that is not a journal record;
 * - torn: the last line has no newline (a write that did not finish);
 * - truncated: records the checkpoint covers are missing from the end;
 * - forged: a signature does not verify against the key (re-hashed without the key);
 * - unsigned: a record or checkpoint without a signature where the key requires one;
 * - unanchored: no checkpoint, so a truncation cannot be ruled out.
 */
export type TamperReason = 'edited' | 'deleted' | 'reordered' | 'inserted' | 'malformed' | 'torn' | 'truncated' | 'forged' | 'unsigned' | 'unanchored';

export interface VerifyResult {
  ok: boolean;
  /** Records verified intact from the start up to the first bad one (all when ok). */
  records: number;
  /** The last intact record: its seq and the SHA-256 of its line. */
  head: { seq: number; lineHash: string } | null;
  /** The first bad record; `seq` is the record's seq, or for `deleted` and `truncated` the first missing seq. */
  firstBad?: { line: number; seq: number | null; reason: TamperReason };
  message: string;
  /** The checkpoint the journal was checked against, and how its signature stands. */
  checkpoint: { seq: number; time: string; keyId: string | null; signature: 'verified' | 'not_checked' | 'unsigned' } | null;
  /** Signed records, and whether their signatures were checked (with a public key). */
  signatures: { signed: number; checked: boolean; keyId: string | null };
  /** Things an auditor should know that are not damage (records after the checkpoint, signatures not checked). */
  notes: string[];
}

export interface VerifyOptions {
  /** The head kept apart from the records; null when none was found. */
  checkpoint: JournalCheckpoint | null;
  /** With a key, every signature is checked and, once records are signed, every later record must be. */
  verifier?: Verifier | null | undefined;
  /** What a position is called in messages: lines of a file, rows of a table. */
  unit?: 'line' | 'row';
  /**
   * Records after the checkpoint: what an interrupted write leaves where the checkpoint is
   * written after the records (`note`, a file), or damage where both move in one
   * transaction (`fail`, a table).
   */
  afterCheckpoint?: 'note' | 'fail';
}

/**
 * Checks a journal file against its checkpoint file (`<journal>.checkpoint` unless given).
 * A missing journal is an error; a missing checkpoint is a finding (`unanchored`).
 */
export async function verifyJournal(path: string, opts: { checkpointFile?: string; verifier?: Verifier | null } = {}): Promise<VerifyResult> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`journal ${path} does not exist`);
    throw new UserError(`journal ${path} cannot be read: ${(e as Error).message}`);
  }
  const checkpoint = await readCheckpointFile(opts.checkpointFile ?? checkpointPathFor(path));
  return verifyJournalLines(splitLines(content), { checkpoint, verifier: opts.verifier });
}

/**
 * Checks the whole chain and names the first bad record. Checks, in order, per record:
 * its own hash (content edits), its exact bytes, seq continuity with a look-ahead
 * (deletions vs reorderings vs insertions), the `prev` link (a record rewritten with a
 * recomputed hash breaks its successor's link) and, with a key, its signature (a chain
 * re-hashed without the key). Then the checkpoint: records it covers that are missing
 * (truncation), a record at its seq that is not the one it names (a tail rewritten with
 * recomputed hashes), and its own signature. Records after the checkpoint are what one
 * interrupted write leaves; they are noted, not failed, and with a key their signatures
 * prove who wrote them.
 */
export function verifyJournalLines(lines: readonly JournalLine[], opts: VerifyOptions): VerifyResult {
  const unit = opts.unit ?? 'line';
  const verifier = opts.verifier ?? null;
  const parsed = lines.map((l) => parseRecord(l.bytes));
  const seqAt = (i: number): number | null => {
    const p = parsed[i];
    return p && 'record' in p ? p.record.seq : null;
  };
  const notes: string[] = [];
  const cp = opts.checkpoint;
  let checkpoint: VerifyResult['checkpoint'] = cp ? { seq: cp.seq, time: cp.time, keyId: cp.keyId ?? null, signature: cp.sig ? 'not_checked' : 'unsigned' } : null;
  const signatures = { signed: 0, checked: verifier !== null, keyId: verifier?.keyId ?? cp?.keyId ?? null };
  let prevLineHash = ZERO_HASH;
  let head: VerifyResult['head'] = null;
  let count = 0;
  const hashes: string[] = [];
  const bad = (line: number, seq: number | null, reason: TamperReason, message: string): VerifyResult => ({
    ok: false,
    records: count,
    head,
    firstBad: { line, seq, reason },
    message,
    checkpoint,
    signatures,
    notes,
  });

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as JournalLine;
    const p = parsed[i]!;
    const expected = count + 1;
    const at = `${unit} ${l.line}`;
    if (!l.terminated) {
      return bad(l.line, seqAt(i), 'torn', `${at} is incomplete (no newline at the end of the file): a write was interrupted`);
    }
    if ('problem' in p) return bad(l.line, null, 'malformed', `${at} is not a journal record: ${p.problem}`);
    const r: JournalRecord = p.record;
    if (recordHash(r) !== r.hash) {
      return bad(l.line, r.seq, 'edited', `${at} (seq ${r.seq}) was changed after it was written: its content does not match its hash`);
    }
    if (canonicalJson(r) !== l.bytes.toString('utf8')) {
      return bad(l.line, r.seq, 'edited', `${at} (seq ${r.seq}) was rewritten after it was written: it is not the exact text the journal wrote`);
    }
    if (r.seq > expected) {
      const later = parsed.findIndex((_, j) => j > i && seqAt(j) === expected);
      if (later !== -1) {
        return bad(
          l.line,
          r.seq,
          'reordered',
          `${at} holds seq ${r.seq} where seq ${expected} was expected; seq ${expected} is at ${unit} ${lines[later]!.line}: records were reordered`,
        );
      }
      const missing = r.seq - 1 === expected ? `seq ${expected} is` : `seqs ${expected}–${r.seq - 1} are`;
      return bad(l.line, expected, 'deleted', `record ${missing} missing before ${at} (which holds seq ${r.seq}): records were deleted`);
    }
    if (r.seq < expected) {
      const earlier = parsed.findIndex((_, j) => j < i && seqAt(j) === r.seq);
      return bad(l.line, r.seq, 'inserted', `${at} repeats seq ${r.seq}${earlier === -1 ? '' : ` (already at ${unit} ${lines[earlier]!.line})`}: a record was inserted`);
    }
    if (r.prev !== prevLineHash) {
      if (i === 0) return bad(l.line, r.seq, 'edited', `${at} (seq ${r.seq}) does not start a chain: its prev is not the zero hash`);
      return bad(
        lines[i - 1]!.line,
        r.seq - 1,
        'edited',
        `${unit} ${lines[i - 1]!.line} (seq ${r.seq - 1}) was changed after it was written: ${at} (seq ${r.seq}) no longer links to it`,
      );
    }
    if (r.sig !== undefined) signatures.signed++;
    if (verifier) {
      if (r.sig === undefined && signatures.signed > 0) {
        return bad(
          l.line,
          r.seq,
          'unsigned',
          `${at} (seq ${r.seq}) is not signed although the records before it are: it was not written by a holder of key ${verifier.keyId}`,
        );
      }
      if (r.sig !== undefined && !verifier.verify(r.hash, r.sig)) {
        return bad(
          l.line,
          r.seq,
          'forged',
          `${at} (seq ${r.seq}) is not signed by key ${verifier.keyId}: its signature does not verify, so it was written or re-hashed without the key`,
        );
      }
    }
    prevLineHash = lineHash(l.bytes);
    hashes.push(prevLineHash);
    head = { seq: r.seq, lineHash: prevLineHash };
    count++;
  }

  const end = lines.length === 0 ? 1 : lines[lines.length - 1]!.line + 1;
  if (!cp) {
    if (count > 0) {
      return bad(
        end,
        null,
        'unanchored',
        `the journal has no checkpoint, so records cut off its end cannot be detected (${count} record${count === 1 ? '' : 's'}, chain intact). A journal written by this Lockstep always has one; it was deleted, or the journal is from an older version (the next apply writes one)`,
      );
    }
  } else {
    if (verifier) {
      const sig = checkpointSignature(cp, verifier);
      if (sig !== 'verified') {
        const why = sig === 'unsigned' ? 'is not signed' : sig === 'other_key' ? `is signed by another key (${cp.keyId})` : 'has a signature that does not verify';
        return bad(
          end,
          cp.seq,
          sig === 'unsigned' ? 'unsigned' : 'forged',
          `the checkpoint (written ${cp.time}, seq ${cp.seq}) ${why} against key ${verifier.keyId}: it was not written by a holder of the key`,
        );
      }
      checkpoint = { ...checkpoint!, signature: 'verified' };
    }
    if (cp.seq > count) {
      const missing = cp.seq === count + 1 ? `seq ${cp.seq} is` : `seqs ${count + 1}–${cp.seq} are`;
      return bad(
        end,
        count + 1,
        'truncated',
        `record ${missing} missing from the end: the checkpoint written ${cp.time} covers ${cp.seq} record${cp.seq === 1 ? '' : 's'}, the journal holds ${count}: it was truncated`,
      );
    }
    if (cp.seq > 0 && hashes[cp.seq - 1] !== cp.lineHash) {
      return bad(
        lines[cp.seq - 1]!.line,
        cp.seq,
        'edited',
        `${unit} ${lines[cp.seq - 1]!.line} (seq ${cp.seq}) is not the record the checkpoint written ${cp.time} names: records up to seq ${cp.seq} were rewritten with recomputed hashes${verifier ? '' : ' (with a signing key, the first rewritten record is named)'}`,
      );
    }
    if (verifier && cp.sig !== undefined) {
      // The checkpoint was written with the key in use, so everything written after it was signed.
      const i = parsed.findIndex((q, j) => j >= cp.seq && j < count && 'record' in q && q.record.sig === undefined);
      if (i !== -1) {
        return bad(
          lines[i]!.line,
          seqAt(i),
          'unsigned',
          `${unit} ${lines[i]!.line} (seq ${seqAt(i)}) comes after the signed checkpoint and is not signed: it was appended without key ${verifier.keyId}`,
        );
      }
    }
    if (count > cp.seq && opts.afterCheckpoint === 'fail') {
      const i = cp.seq;
      return bad(
        lines[i]!.line,
        seqAt(i),
        'inserted',
        `${unit} ${lines[i]!.line} (seq ${seqAt(i)}) and after are not covered by the checkpoint written ${cp.time}, which moves in the same transaction as every write: they were added around Lockstep`,
      );
    }
    if (count > cp.seq) {
      notes.push(
        `${count - cp.seq} record${count - cp.seq === 1 ? '' : 's'} after the checkpoint (seq ${cp.seq + 1}–${count}): the last write stopped before its checkpoint (the next write covers ${count - cp.seq === 1 ? 'it' : 'them'})${verifier ? '; their signatures verify' : '; without a signing key they cannot be told from appended records'}`,
      );
    }
  }
  if (!verifier && signatures.signed > 0)
    notes.push(
      `${signatures.signed} record${signatures.signed === 1 ? ' is' : 's are'} signed${cp?.keyId ? ` (key ${cp.keyId})` : ''}; signatures were not checked: pass --public-key`,
    );
  const anchored = cp && cp.seq > 0 ? `; checkpoint of ${cp.time} matches seq ${cp.seq}` : '';
  const signed = verifier ? (signatures.signed > 0 || cp?.sig ? `; signatures verified (key ${verifier.keyId})` : '') : '';
  return {
    ok: true,
    records: count,
    head,
    message: count === 0 ? 'journal is empty' : `journal intact: ${count} record${count === 1 ? '' : 's'}, seq 1–${count}, chain verified${anchored}${signed}`,
    checkpoint,
    signatures,
    notes,
  };
}
