import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { JournalRecord } from '../types/index.js';

/**
 * The journal's line format. Invariants every record on disk satisfies:
 * - one record per line, the line being the RFC 8785 canonical JSON of the record
 *   followed by `\n` (the newline is a terminator, not part of the line's bytes);
 * - `seq` counts from 1 with no gaps;
 * - `prev` is the SHA-256 of the previous line's exact bytes (ZERO_HASH for the first),
 *   which chains each record to everything written before it;
 * - `hash` is the SHA-256 of the canonical JSON of the record without `hash` and `sig`,
 *   which lets a record be checked on its own even when its neighbours are gone;
 * - `sig`, when the journal is signed (Config spec.signing), is the Ed25519 signature of
 *   `hash` (its hex digits as ASCII): a record re-hashed by someone without the key fails it.
 */
export const ZERO_HASH = '0'.repeat(64);

/** What a caller hands the writer: the writer fills in seq, prev, hash and (by default) time. */
export type JournalEntry = Omit<JournalRecord, 'seq' | 'prev' | 'hash' | 'time' | 'sig'> & { time?: string };

export function recordHash(record: Omit<JournalRecord, 'hash'> & { hash?: unknown }): string {
  const { hash: _hash, sig: _sig, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

export function lineHash(line: Uint8Array): string {
  return sha256Hex(line);
}

/** One line of a journal file as read back, with its 1-based line number. */
export interface JournalLine {
  line: number;
  bytes: Buffer;
  /** False only for a final line with no `\n`: a write that did not finish. */
  terminated: boolean;
}

/** Splits a journal file into lines; an empty file has none, and a final `\n` ends the last line. */
export function splitLines(content: Buffer): JournalLine[] {
  const lines: JournalLine[] = [];
  let start = 0;
  let n = 1;
  while (start < content.length) {
    const nl = content.indexOf(0x0a, start);
    if (nl === -1) {
      lines.push({ line: n, bytes: content.subarray(start), terminated: false });
      break;
    }
    lines.push({ line: n++, bytes: content.subarray(start, nl), terminated: true });
    start = nl + 1;
  }
  return lines;
}

const HEX64 = /^[0-9a-f]{64}$/;
const TYPES = new Set(['run_start', 'run_end', 'change', 'intent', 'halt', 'approval', 'task', 'attestation']);

/**
 * Parses one line into a record, or returns why it is not one. Only the fields the chain
 * depends on are checked here; the rest is covered by the record's own hash.
 */
export function parseRecord(bytes: Buffer): { record: JournalRecord } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object' };
  const r = value as Record<string, unknown>;
  if (typeof r.seq !== 'number' || !Number.isInteger(r.seq) || r.seq < 1) return { problem: 'seq is not a positive integer' };
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return { problem: 'prev is not a SHA-256 hex digest' };
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return { problem: 'hash is not a SHA-256 hex digest' };
  if (typeof r.type !== 'string' || !TYPES.has(r.type)) return { problem: `unknown record type ${JSON.stringify(r.type)}` };
  if (typeof r.time !== 'string' || Number.isNaN(Date.parse(r.time))) return { problem: 'time is not a date-time' };
  return { record: value as JournalRecord };
}

/** Why a journal's last line cannot be continued from (not a record, or not as written), or null when it can. */
export function lineProblem(line: Buffer): string | null {
  if (line.length === 0) return 'the file ends with an empty line';
  const p = parseRecord(line);
  if ('problem' in p) return `the last line is not a journal record: ${p.problem}`;
  if (recordHash(p.record) !== p.record.hash) return `the last record (seq ${p.record.seq}) does not match its hash`;
  if (canonicalJson(p.record) !== line.toString('utf8')) return `the last record (seq ${p.record.seq}) was rewritten`;
  return null;
}
