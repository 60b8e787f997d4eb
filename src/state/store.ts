import type { JournalCheckpoint } from '../journal/checkpoint.js';
import type { JournalLine } from '../journal/record.js';
import type { JournalWriter, JournalWriterOptions } from '../journal/writer.js';
import type { HrEvent, JournalRecord } from '../types/index.js';
import type { ProviderState } from '../provider/provider.js';
import type { TaskBook } from '../tasks/book.js';

/**
 * The state Lockstep's safety depends on, behind one interface with two backends: `file`
 * (a folder; the default for the CLI and the demo) and `postgres` (one database shared by
 * every replica and CI run that names it). Everything a run must not lose lives here:
 * the journal and its checkpoint, the apply lock, manual tasks, delta links, HR events
 * not yet reflected by the roster, and the controller's cycle state.
 */
export interface StateStore {
  readonly backend: 'file' | 'postgres';
  /** Where the state is, for messages: a folder, or the database without credentials. */
  readonly label: string;
  readonly journal: JournalStore;
  /**
   * Takes the apply lock so that two applies on this state never run at once, whichever
   * machine they run on; returns its release (safe to call twice). A live holder makes
   * this fail at once with a UserError naming it.
   */
  acquireApplyLock(): Promise<() => Promise<void>>;
  /** What a provider keeps between runs under its own name (delta links). */
  forProvider(name: string): ProviderState;
  /**
   * One provider's manual task book, for the run's task desk. `folder` is Config `tasks`
   * (relative to `policyDir`): where the file backend writes them; `owner` receives tasks
   * whose change names none.
   */
  taskBook(provider: string, where: { policyDir: string; folder?: string | undefined; owner?: string | undefined }): TaskBook;
  readonly hrEvents: HrEventStore;
  /** Small documents of the controller (cycle state), by key. */
  readonly documents: DocumentStore;
  close(): Promise<void>;
}

export interface JournalStore {
  /** Where the journal is, for messages. */
  readonly label: string;
  /**
   * How to verify this journal (see verifyJournalLines): positions are lines of a file or
   * rows of a table; records after the checkpoint are an interrupted write in a file, damage
   * in a table (whose checkpoint moves in the same transaction as every append).
   */
  readonly layout: { unit: 'line' | 'row'; afterCheckpoint: 'note' | 'fail' };
  /** Opens the journal for appending (the caller holds the apply lock), refusing one that does not verify at its tail. */
  open(opts: JournalWriterOptions & { warn?: (message: string) => void }): Promise<JournalWriter>;
  /** Every record in seq order, for planning and reports; no journal yet is none. */
  read(): Promise<JournalRecord[]>;
  /** The journal's lines exactly as written and its checkpoint, for verification and evidence; null when there is no journal. */
  content(): Promise<{ lines: JournalLine[]; checkpoint: JournalCheckpoint | null } | null>;
}

/** Small named documents, replaced whole (delta links, cycle state). No secrets go here. */
export interface DocumentStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
}

/** An HR event as kept: when it arrived, and whether it still stands. */
export interface StoredHrEvent {
  readonly event: HrEvent;
  /** When the controller received it, epoch ms: the start of MTTRevoke. */
  readonly receivedAt: number;
  /** When its containment was first confirmed (epoch ms), null until then. */
  readonly containedAt: number | null;
}

/**
 * HR events accepted by the webhook. An event is written here before the webhook answers
 * 202, and stands (is laid over the roster by every plan, on every replica and CLI run)
 * until it is resolved: the roster says the same, or a later event overrides it.
 */
export interface HrEventStore {
  /** Records an accepted event durably; `duplicate` when its id is already recorded (nothing changes). */
  record(event: HrEvent, receivedAt: number): Promise<'recorded' | 'duplicate'>;
  /** Events that still stand, in the order received. */
  standing(): Promise<StoredHrEvent[]>;
  /** Ends an event's overlay, saying why (kept for the record). */
  resolve(id: string, resolution: string, atMs: number): Promise<void>;
  /** Notes when an event's containment was confirmed; false when it already was (counted once, on any replica). */
  markContained(id: string, atMs: number): Promise<boolean>;
}
