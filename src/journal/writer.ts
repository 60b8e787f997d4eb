import { redactor } from '../policy/secrets.js';
import type { Signer } from '../signing/ed25519.js';
import { canonicalJson } from './canonical-json.js';
import { ZERO_HASH, lineHash, recordHash, type JournalEntry } from './record.js';
import type { JournalRecord } from '../types/index.js';

/** A second destination for every line, such as stdout for a SIEM. */
export interface JournalSink {
  write(line: string): unknown;
}

/** Where a journal's lines and checkpoint are kept: a file (file-journal.ts) or a table. */
export interface JournalStorage {
  /** Names the journal in messages, without credentials. */
  readonly label: string;
  /**
   * Makes `lines` durable after the records already written, then moves the checkpoint to
   * `head` (the last of them). Resolves only when both are durable; throws when either fails.
   */
  write(lines: readonly string[], head: { seq: number; lineHash: string }): Promise<void>;
  close(): Promise<void>;
}

export interface JournalWriterOptions {
  /** Receives each line exactly as written (including the newline). */
  sink?: JournalSink | null | undefined;
  /** Time source for records that do not carry their own `time`. */
  clock?: (() => Date) | undefined;
  /** Signs each record's hash and the checkpoint (Config spec.signing). */
  signer?: Signer | null | undefined;
}

/** Where the chain continues from: the next seq and the hash of the last line. */
export interface ChainHead {
  nextSeq: number;
  prev: string;
}

export const EMPTY_CHAIN: ChainHead = { nextSeq: 1, prev: ZERO_HASH };

/**
 * Appends records to a journal. Invariants, whatever the storage:
 * - records are acknowledged only once the storage has made them and the checkpoint that
 *   covers them durable, so after a crash the journal holds every acknowledged record;
 * - appends are chained in call order, so seq and prev stay contiguous under concurrent
 *   callers; appends that arrive while a write is in flight are written together by the
 *   next write (group commit), so a run with many changes in flight is not held to one
 *   durable write per record;
 * - every string (and key) passes through the secret redactor before it is hashed and
 *   written, so no registered secret reaches the journal or the sink;
 * - with a signer, every record carries the signature of its hash;
 * - after a failed write the writer refuses further appends: the journal's tail is unknown.
 */
export class JournalWriter {
  /** Appends waiting for the next write, in call order. */
  private pending: PendingAppend[] = [];
  /** The write in flight, if any. */
  private flushing: Promise<void> | null = null;
  private failed: Error | null = null;
  private readonly sink: JournalSink | null;
  private readonly clock: () => Date;
  private readonly signer: Signer | null;

  constructor(
    readonly storage: JournalStorage,
    private head: ChainHead,
    opts: JournalWriterOptions = {},
  ) {
    this.sink = opts.sink ?? null;
    this.clock = opts.clock ?? (() => new Date());
    this.signer = opts.signer ?? null;
  }

  /** The seq the last record written got (0 for an empty journal). */
  get lastSeq(): number {
    return this.head.nextSeq - 1;
  }

  /** Appends one record and resolves with it as written, once it is durable. */
  append(entry: JournalEntry): Promise<JournalRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      // Started on a microtask, so `flushing` is set before drain can clear it.
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.storage.close();
  }

  /** Writes until nothing waits: each round takes every append queued so far. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) await this.writeGroup(this.pending.splice(0));
    this.flushing = null;
  }

  /** One durable write for a group of records, chained in order; each append settles after it. */
  private async writeGroup(group: PendingAppend[]): Promise<void> {
    if (this.failed) {
      const error = new Error(`journal ${this.storage.label}: an earlier write failed (${this.failed.message}); refusing to append`);
      for (const a of group) a.reject(error);
      return;
    }
    let { nextSeq, prev } = this.head;
    const lines: { append: PendingAppend; line: string }[] = [];
    for (const append of group) {
      let line: string;
      try {
        line = encodeRecord(append.entry, { seq: nextSeq, prev }, this.clock, this.signer);
      } catch (e) {
        append.reject(e); // a record that cannot be serialised takes no seq
        continue;
      }
      lines.push({ append, line });
      prev = lineHash(Buffer.from(line, 'utf8'));
      nextSeq++;
    }
    if (lines.length === 0) return;
    try {
      await this.storage.write(
        lines.map((l) => l.line),
        { seq: nextSeq - 1, lineHash: prev },
      );
    } catch (e) {
      this.failed = e as Error;
      const error = new Error(`journal ${this.storage.label}: write failed: ${(e as Error).message}`, { cause: e });
      for (const l of lines) l.append.reject(error);
      return;
    }
    this.head = { nextSeq, prev };
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

/** One record's line: redacted, numbered, chained, hashed and (with a signer) signed. */
export function encodeRecord(entry: JournalEntry, at: { seq: number; prev: string }, clock: () => Date, signer: Signer | null): string {
  const clean = redactDeep(entry) as JournalEntry;
  const unhashed = { ...clean, seq: at.seq, time: clean.time ?? clock().toISOString(), prev: at.prev };
  const hash = recordHash(unhashed);
  return canonicalJson({ ...unhashed, hash, ...(signer ? { sig: signer.sign(hash) } : {}) });
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
