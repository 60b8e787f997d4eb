import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { redactor } from '../policy/secrets.js';
import { canonicalJson } from './canonical-json.js';
import { ZERO_HASH, lineHash, parseRecord, recordHash, type JournalEntry } from './record.js';
import type { JournalRecord } from '../types/index.js';

/** A second destination for every line, such as stdout for a SIEM. */
export interface JournalSink {
  write(line: string): unknown;
}

export interface JournalWriterOptions {
  /** Receives each line exactly as written to the file (including the newline). */
  sink?: JournalSink | null;
  /** Time source for records that do not carry their own `time`. */
  clock?: () => Date;
}

const TAIL_CHUNK = 64 * 1024;

/**
 * Appends records to a journal file. Invariants:
 * - records are written as whole lines and acknowledged only after the fsync that
 *   covers them, so after a crash the file holds every acknowledged record and at most
 *   one torn line, which `verifyJournal` reports;
 * - appends are chained in call order, so seq and prev stay contiguous under concurrent
 *   callers; appends that arrive while a write is in flight are written together by the
 *   next write and fsync (group commit), so a run with many changes in flight is not
 *   held to one fsync per record;
 * - every string (and key) passes through the secret redactor before it is hashed and
 *   written, so no registered secret reaches the file or the sink;
 * - after a failed write the writer refuses further appends: the file's tail is unknown.
 */
export class JournalWriter {
  /** Appends waiting for the next write, in call order. */
  private pending: PendingAppend[] = [];
  /** The write in flight, if any. */
  private flushing: Promise<void> | null = null;
  private failed: Error | null = null;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private nextSeq: number,
    private prev: string,
    private readonly sink: JournalSink | null,
    private readonly clock: () => Date,
  ) {}

  /**
   * Opens (creating if needed) a journal and continues its chain from the last line.
   * Refuses, writing nothing, when the last line is torn, not a record, or does not
   * match its own hash.
   */
  static async open(path: string, opts: JournalWriterOptions = {}): Promise<JournalWriter> {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, 'a+');
    try {
      const tail = await readLastLine(file);
      let nextSeq = 1;
      let prev = ZERO_HASH;
      if (tail === 'torn') {
        throw new UserError(
          `journal ${path} ends with a torn line (a write was interrupted); nothing was written. Run \`lockstep audit verify --journal ${path}\` to inspect it.`,
        );
      }
      if (tail) {
        const problem = tailProblem(tail);
        if (problem) {
          throw new UserError(
            `journal ${path} has a corrupt tail (${problem}); nothing was written. Run \`lockstep audit verify --journal ${path}\` to find the damage.`,
          );
        }
        const last = (parseRecord(tail) as { record: JournalRecord }).record;
        nextSeq = last.seq + 1;
        prev = lineHash(tail);
      }
      return new JournalWriter(path, file, nextSeq, prev, opts.sink ?? null, opts.clock ?? (() => new Date()));
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  /** The seq the last record written got (0 for an empty journal). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Appends one record and resolves with it as written, once it is on disk. */
  append(entry: JournalEntry): Promise<JournalRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      // Started on a microtask, so `flushing` is set before drain can clear it.
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.file.close();
  }

  /** Writes until nothing waits: each round takes every append queued so far. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) await this.writeGroup(this.pending.splice(0));
    this.flushing = null;
  }

  /** One write and one fsync for a group of records, chained in order; each append settles after the fsync. */
  private async writeGroup(group: PendingAppend[]): Promise<void> {
    if (this.failed) {
      const error = new Error(`journal ${this.path}: an earlier write failed (${this.failed.message}); refusing to append`);
      for (const a of group) a.reject(error);
      return;
    }
    let { nextSeq, prev } = this;
    const lines: { append: PendingAppend; line: string }[] = [];
    for (const append of group) {
      let line: string;
      try {
        const clean = redactDeep(append.entry) as JournalEntry;
        const unhashed = { ...clean, seq: nextSeq, time: clean.time ?? this.clock().toISOString(), prev };
        line = canonicalJson({ ...unhashed, hash: recordHash(unhashed) });
      } catch (e) {
        append.reject(e); // a record that cannot be serialised takes no seq
        continue;
      }
      lines.push({ append, line });
      prev = lineHash(Buffer.from(line, 'utf8'));
      nextSeq++;
    }
    if (lines.length === 0) return;
    const bytes = Buffer.from(lines.map((l) => `${l.line}\n`).join(''), 'utf8');
    try {
      const { bytesWritten } = await this.file.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length) throw new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`);
      await this.file.sync();
    } catch (e) {
      this.failed = e as Error;
      const error = new Error(`journal ${this.path}: write failed: ${(e as Error).message}`, { cause: e });
      for (const l of lines) l.append.reject(error);
      return;
    }
    this.prev = prev;
    this.nextSeq = nextSeq;
    for (const { append, line } of lines) {
      this.sink?.write(`${line}\n`);
      append.resolve(JSON.parse(line) as JournalRecord);
    }
  }
}

interface PendingAppend {
  entry: JournalEntry;
  resolve: (record: JournalRecord) => void;
  reject: (error: unknown) => void;
}

/** Redacts every string in a JSON-like value; drops undefined members as JSON would. */
function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : redactDeep(v)));
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[redactor.redact(k)] = redactDeep(v);
    return out;
  }
  return value;
}

/** Why the last line cannot be continued from, or null when it can. */
function tailProblem(tail: Buffer): string | null {
  if (tail.length === 0) return 'the file ends with an empty line';
  const p = parseRecord(tail);
  if ('problem' in p) return `the last line is not a journal record: ${p.problem}`;
  if (recordHash(p.record) !== p.record.hash) return `the last record (seq ${p.record.seq}) does not match its hash`;
  if (canonicalJson(p.record) !== tail.toString('utf8')) return `the last record (seq ${p.record.seq}) was rewritten`;
  return null;
}

/**
 * The bytes of the last line without its newline, read backwards in chunks so that opening
 * a large journal costs no more than its last record; null for an empty file, 'torn' for
 * a file that does not end with a newline (an interrupted write).
 */
async function readLastLine(file: FileHandle): Promise<Buffer | 'torn' | null> {
  const { size } = await file.stat();
  if (size === 0) return null;
  const lastByte = Buffer.alloc(1);
  await file.read(lastByte, 0, 1, size - 1);
  if (lastByte[0] !== 0x0a) return 'torn';
  const chunks: Buffer[] = [];
  let pos = size - 1;
  while (pos > 0) {
    const len = Math.min(TAIL_CHUNK, pos);
    const buf = Buffer.alloc(len);
    await file.read(buf, 0, len, pos - len);
    const nl = buf.lastIndexOf(0x0a);
    if (nl !== -1) {
      chunks.unshift(buf.subarray(nl + 1));
      break;
    }
    chunks.unshift(buf);
    pos -= len;
  }
  return Buffer.concat(chunks);
}
