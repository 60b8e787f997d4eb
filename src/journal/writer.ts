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
 * - each record is one `write` of its whole line followed by an fsync, so after a crash
 *   the file holds every acknowledged record and at most one torn line, which
 *   `verifyJournal` reports;
 * - appends are serialised, so seq and prev stay contiguous under concurrent callers;
 * - every string (and key) passes through the secret redactor before it is hashed and
 *   written, so no registered secret reaches the file or the sink;
 * - after a failed write the writer refuses further appends: the file's tail is unknown.
 */
export class JournalWriter {
  private queue: Promise<unknown> = Promise.resolve();
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
    const written = this.queue.then(() => this.write(entry));
    this.queue = written.catch(() => undefined);
    return written;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.file.close();
  }

  private async write(entry: JournalEntry): Promise<JournalRecord> {
    if (this.failed) throw new Error(`journal ${this.path}: an earlier write failed (${this.failed.message}); refusing to append`);
    const clean = redactDeep(entry) as JournalEntry;
    const unhashed = { ...clean, seq: this.nextSeq, time: clean.time ?? this.clock().toISOString(), prev: this.prev };
    const record = { ...unhashed, hash: recordHash(unhashed) } as JournalRecord;
    const line = canonicalJson(record);
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    try {
      const { bytesWritten } = await this.file.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length) throw new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`);
      await this.file.sync();
    } catch (e) {
      this.failed = e as Error;
      throw new Error(`journal ${this.path}: write failed: ${(e as Error).message}`, { cause: e });
    }
    this.prev = lineHash(bytes.subarray(0, bytes.length - 1));
    this.nextSeq++;
    this.sink?.write(`${line}\n`);
    return JSON.parse(line) as JournalRecord;
  }
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
