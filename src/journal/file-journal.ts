import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { checkTail, checkpointPathFor, makeCheckpoint, readCheckpointFile, writeCheckpointFile } from './checkpoint.js';
import { splitLines } from './record.js';
import { verifyJournalLines } from './verify.js';
import { JournalWriter, type ChainHead, type JournalStorage, type JournalWriterOptions } from './writer.js';

export interface FileJournalOptions extends JournalWriterOptions {
  /** Where the checkpoint is kept (default `<journal>.checkpoint`). */
  checkpointFile?: string | undefined;
  /** Told when the journal had to be re-anchored (an interrupted write, or no checkpoint yet). */
  warn?: ((message: string) => void) | undefined;
  /**
   * Verify every record before continuing, not just the tail against the checkpoint: what a
   * process does the first time it opens a journal, so that an edited record is refused
   * before anything new is applied on top of it.
   */
  verifyAll?: boolean | undefined;
}

const TAIL_CHUNK = 64 * 1024;

/** Appends whole lines to a file, one fsync per write, then replaces the checkpoint file. */
class FileJournalStorage implements JournalStorage {
  constructor(
    readonly label: string,
    readonly file: FileHandle,
    private readonly checkpointFile: string,
    private readonly clock: () => Date,
    private readonly signer: JournalWriterOptions['signer'],
  ) {}

  async write(lines: readonly string[], head: { seq: number; lineHash: string }): Promise<void> {
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const { bytesWritten } = await this.file.write(bytes, 0, bytes.length);
    if (bytesWritten !== bytes.length) throw new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`);
    await this.file.sync();
    await writeCheckpointFile(this.checkpointFile, makeCheckpoint(head, this.clock(), this.signer ?? null));
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/**
 * Opens (creating if needed) a journal file and continues its chain. Refuses, writing
 * nothing, when the last line is torn or not a record, when the journal does not reach or
 * match its checkpoint (truncated, or a tail rewritten), or when a signed journal's
 * checkpoint is missing or does not verify. Records after the checkpoint that verify (the
 * checkpoint of a write that was interrupted) are covered by a new checkpoint, with a warning.
 */
export async function openJournalFile(path: string, opts: FileJournalOptions = {}): Promise<JournalWriter> {
  await mkdir(dirname(path), { recursive: true });
  const checkpointFile = opts.checkpointFile ?? checkpointPathFor(path);
  const file = await open(path, 'a+');
  try {
    const head = await chainHead(path, file, checkpointFile, opts);
    const clock = opts.clock ?? (() => new Date());
    return new JournalWriter(new FileJournalStorage(path, file, checkpointFile, clock, opts.signer), head, opts);
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** Where an existing journal's chain continues, once its tail and checkpoint agree. */
async function chainHead(path: string, file: FileHandle, checkpointFile: string, opts: FileJournalOptions): Promise<ChainHead> {
  const refuse = (why: string) => new UserError(`journal ${path} ${why}; nothing was written. Run \`lockstep audit verify\` to inspect it.`);
  const tail = await readLastLine(file);
  if (tail === 'torn') throw refuse('ends with a torn line (a write was interrupted)');
  const cp = await readCheckpointFile(checkpointFile);
  const signer = opts.signer ?? null;
  const { head, last, agree } = checkTail(tail, cp, signer, refuse);
  if (last === null) return head;
  if (agree && !opts.verifyAll) return head;

  // The tail and the checkpoint disagree (or every record is to be checked): check the whole journal against the checkpoint.
  const result = verifyJournalLines(splitLines(await readFile(path)), { checkpoint: cp, verifier: signer });
  if (!result.ok && result.firstBad?.reason === 'unanchored') {
    if (signer && result.signatures.signed > 0) throw refuse(`holds signed records but its checkpoint ${checkpointFile} is missing: it was removed`);
    opts.warn?.(
      `journal ${path} has no checkpoint (written by an older Lockstep, or removed): covering its ${result.records} record${result.records === 1 ? '' : 's'} with a new one`,
    );
  } else if (!result.ok) {
    throw refuse(`does not verify: ${result.message}`);
  } else {
    if (agree) return head;
    for (const note of result.notes) opts.warn?.(`journal ${path}: ${note}`);
  }
  await writeCheckpointFile(checkpointFile, makeCheckpoint({ seq: last.seq, lineHash: head.prev }, (opts.clock ?? (() => new Date()))(), signer));
  return head;
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
