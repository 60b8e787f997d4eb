import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import type { Signer, Verifier } from '../signing/ed25519.js';
import { canonicalJson } from './canonical-json.js';

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

/**
 * Replaces the checkpoint file atomically and durably: a temporary file written and
 * synced, renamed over the old one, and the folder synced, so that after a crash the file
 * holds either the old checkpoint or the new one.
 */
export async function writeCheckpointFile(path: string, cp: JournalCheckpoint): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(`${canonicalJson(cp)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
