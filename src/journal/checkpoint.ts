import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { replaceFileDurably } from '../files/durable.js';
import type { Signer, Verifier } from '../signing/ed25519.js';
import { canonicalJson } from './canonical-json.js';
import { lineHash, lineProblem, parseRecord } from './record.js';
import { EMPTY_CHAIN, type ChainHead } from './writer.js';
import type { JournalRecord } from '../types/index.js';

/**
 * The journal's head as last written, kept apart from the records (a separate file beside
 * the journal, or a separate table), so that records cut off the end, or a tail rewritten
 * with recomputed hashes, no longer match it. Invariants:
 * - `seq` is the last record the checkpoint covers and `lineHash` the SHA-256 of that
 *   record's line, which through the `prev` chain covers every record before it;
 * - a checkpoint is written after the records it covers are durable, so after a crash the
 *   journal may hold records after the checkpoint (one write's worth), never fewer;
 * - with a signing key, `sig` is the Ed25519 signature of the canonical JSON of the
 *   checkpoint without `sig`: someone without the key cannot move the head back.
 */
export interface JournalCheckpoint {
  formatVersion: 1;
  seq: number;
  lineHash: string;
  /** When the checkpoint was written. */
  time: string;
  keyId?: string;
  sig?: string;
}

export function makeCheckpoint(head: { seq: number; lineHash: string }, time: Date, signer: Signer | null): JournalCheckpoint {
  const unsigned: JournalCheckpoint = { formatVersion: 1, seq: head.seq, lineHash: head.lineHash, time: time.toISOString(), ...(signer ? { keyId: signer.keyId } : {}) };
  return signer ? { ...unsigned, sig: signer.sign(canonicalJson(unsigned)) } : unsigned;
}

/** How a checkpoint's signature stands against a key: `verified`, `unsigned`, `other_key` (signed by another key) or `bad`. */
export function checkpointSignature(cp: JournalCheckpoint, verifier: Verifier): 'verified' | 'unsigned' | 'other_key' | 'bad' {
  if (cp.sig === undefined) return 'unsigned';
  if (cp.keyId !== undefined && cp.keyId !== verifier.keyId) return 'other_key';
  const { sig, ...unsigned } = cp;
  return verifier.verify(canonicalJson(unsigned), sig) ? 'verified' : 'bad';
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a stored checkpoint; a malformed one is an error naming where it came from. */
export function parseCheckpoint(text: string, where: string): JournalCheckpoint {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: the journal checkpoint is not JSON; it was damaged. Run \`lockstep audit verify\`.`);
  }
  const c = v as Partial<JournalCheckpoint> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    c.formatVersion !== 1 ||
    typeof c.seq !== 'number' ||
    !Number.isInteger(c.seq) ||
    c.seq < 0 ||
    typeof c.lineHash !== 'string' ||
    !HEX64.test(c.lineHash) ||
    typeof c.time !== 'string' ||
    (c.sig !== undefined && typeof c.sig !== 'string') ||
    (c.keyId !== undefined && typeof c.keyId !== 'string')
  ) {
    throw new UserError(`${where}: not a journal checkpoint this Lockstep reads (formatVersion 1 with seq, lineHash and time)`);
  }
  return c as JournalCheckpoint;
}

/** The file-backend checkpoint of a journal file: the journal's path with `.checkpoint` added. */
export function checkpointPathFor(journalFile: string): string {
  return `${journalFile}.checkpoint`;
}

/** The checkpoint in a file, or null when there is none. */
export async function readCheckpointFile(path: string): Promise<JournalCheckpoint | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${path}: cannot read the journal checkpoint (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseCheckpoint(text, path);
}

/** Replaces the checkpoint file atomically and durably: after a crash it holds the old checkpoint or the new one. */
export function writeCheckpointFile(path: string, cp: JournalCheckpoint): Promise<void> {
  return replaceFileDurably(path, `${canonicalJson(cp)}\n`);
}

/** Where a journal's chain continues from its last line, and whether the checkpoint names that line. */
export interface CheckedHead {
  head: ChainHead;
  /** The last record, null for an empty journal. */
  last: JournalRecord | null;
  /** The checkpoint covers exactly the last record. */
  agree: boolean;
}

/**
 * The checks every journal storage makes of its tail before appending (a writer of
 * either backend): a checkpoint not signed by the writer's key, an empty journal whose
 * checkpoint says otherwise, and a last line that is not a record as written are refused
 * through `refuse`. Whether the rest of the journal must be read is the caller's decision.
 */
export function checkTail(tail: Buffer | null, cp: JournalCheckpoint | null, signer: Signer | null, refuse: (why: string) => Error): CheckedHead {
  if (cp && signer && cp.sig !== undefined && checkpointSignature(cp, signer) !== 'verified') {
    throw refuse(`has a checkpoint that is not signed by key ${signer.keyId}`);
  }
  if (tail === null) {
    if (cp && cp.seq > 0) throw refuse(`is empty, but its checkpoint (written ${cp.time}) covers ${cp.seq} record${cp.seq === 1 ? '' : 's'}: its records were removed`);
    return { head: EMPTY_CHAIN, last: null, agree: cp === null || cp.seq === 0 };
  }
  const problem = lineProblem(tail);
  if (problem) throw refuse(`has a corrupt tail (${problem})`);
  const last = (parseRecord(tail) as { record: JournalRecord }).record;
  const head = { nextSeq: last.seq + 1, prev: lineHash(tail) };
  return { head, last, agree: cp !== null && cp.seq === last.seq && cp.lineHash === head.prev };
}
