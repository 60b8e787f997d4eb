import { createHash } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { replaceFileDurably, syncFolder, temporaryBeside, writeFileSynced } from '../files/durable.js';
import { checkpointPathFor, readCheckpointFile } from '../journal/checkpoint.js';
import { openJournalFile } from '../journal/file-journal.js';
import { readJournal } from '../journal/reader.js';
import { splitLines } from '../journal/record.js';
import type { HrEvent } from '../types/index.js';
import { acquireApplyLock } from './file-lock.js';
import { FileTaskStorage, taskFolder } from './file-tasks.js';
import type { DocumentStore, HrEventStore, JournalStore, StateStore, StoredHrEvent } from './store.js';
import { TaskBook } from '../tasks/book.js';

/**
 * The file backend: one folder (default `.lockstep/`), for the CLI, the demo and a single
 * replica with a persistent volume.
 *
 *   journal.jsonl, journal.jsonl.checkpoint   the journal and its head (or Config journal.file)
 *   apply.lock                                the apply lock (proper-lockfile)
 *   tasks/<provider>/                         manual tasks (or Config `tasks` of the provider)
 *   providers/<provider>/<key>                provider documents (delta links), mode 0600
 *   hr-events/<sha256 of id>.json             HR events, written before the webhook answers
 *   documents/<key>                           controller documents (cycle state)
 *
 * Every file is replaced by rename after a sync, so a crash leaves the old or the new one.
 */
export function fileStore(stateDir: string, journalFile = join(stateDir, 'journal.jsonl')): StateStore {
  const books = new Map<string, TaskBook>();
  // The first open in this process verifies every record; later ones the tail, as this process left it.
  let verified = false;
  const journal: JournalStore = {
    label: journalFile,
    layout: { unit: 'line', afterCheckpoint: 'note' },
    async open(opts) {
      const writer = await openJournalFile(journalFile, { ...opts, verifyAll: !verified });
      verified = true;
      return writer;
    },
    read: () => readJournal(journalFile),
    async content() {
      const checkpoint = await readCheckpointFile(checkpointPathFor(journalFile));
      let bytes: Buffer;
      try {
        bytes = await readFile(journalFile);
      } catch (e) {
        // A checkpoint without its journal: every record it covers is missing.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return checkpoint ? { lines: [], checkpoint } : null;
        throw new UserError(`journal ${journalFile} cannot be read: ${(e as Error).message}`);
      }
      return { lines: splitLines(bytes), checkpoint };
    },
  };
  return {
    backend: 'file',
    label: stateDir,
    journal,
    acquireApplyLock: () => acquireApplyLock(stateDir),
    forProvider: (name) => ({ documents: fileDocuments(join(stateDir, 'providers', safeName(name))) }),
    taskBook(name, { policyDir, folder, owner }) {
      const dir = taskFolder(folder, { name, policyDir, stateDir });
      let book = books.get(dir);
      if (!book) books.set(dir, (book = new TaskBook(name, new FileTaskStorage(name, dir), owner)));
      return book;
    },
    hrEvents: fileHrEvents(join(stateDir, 'hr-events')),
    documents: fileDocuments(join(stateDir, 'documents')),
    close: async () => {},
  };
}

/** A name usable as one path segment. */
function safeName(name: string): string {
  return name.replace(/[^\w.-]/g, '_');
}

/** State files readable by the state folder's owner only. */
const PRIVATE = { mode: 0o600, folderMode: 0o700 };

const KEY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

function fileDocuments(dir: string): DocumentStore {
  const pathOf = (key: string) => {
    if (!KEY.test(key) || key.split('/').some((s) => s === '..' || s === '.')) throw new Error(`not a document key: ${JSON.stringify(key)}`);
    return join(dir, key);
  };
  return {
    async get(key) {
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    put: (key, value) => replaceFileDurably(pathOf(key), value, PRIVATE),
  };
}

/** What an HR event file holds. */
interface HrEventFile {
  event: HrEvent;
  receivedAt: string;
  containedAt: string | null;
  resolvedAt: string | null;
  resolution: string | null;
}

function fileHrEvents(dir: string): HrEventStore {
  const pathOf = (id: string) => join(dir, `${createHash('sha256').update(id).digest('hex')}.json`);
  const read = async (path: string): Promise<HrEventFile> => {
    const text = await readFile(path, 'utf8');
    try {
      return JSON.parse(text) as HrEventFile;
    } catch {
      throw new UserError(`${path}: an HR event file is damaged (not JSON); restore it from a backup or remove it once the roster reflects the event`);
    }
  };
  const update = async (id: string, change: (f: HrEventFile) => HrEventFile | null): Promise<boolean> => {
    const path = pathOf(id);
    let current: HrEventFile;
    try {
      current = await read(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    const next = change(current);
    if (!next) return false;
    await replaceFileDurably(path, `${JSON.stringify(next)}\n`, PRIVATE);
    return true;
  };
  return {
    async record(event, receivedAt) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = pathOf(event.id);
      const tmp = temporaryBeside(path);
      const file: HrEventFile = { event, receivedAt: new Date(receivedAt).toISOString(), containedAt: null, resolvedAt: null, resolution: null };
      await writeFileSynced(tmp, `${JSON.stringify(file)}\n`, 0o600);
      try {
        // link() fails when the name exists: two deliveries of one id cannot both be recorded.
        await link(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'duplicate';
        throw e;
      } finally {
        await rm(tmp, { force: true });
      }
      await syncFolder(dir);
      return 'recorded';
    },
    async standing() {
      const names = await readdir(dir).catch(() => [] as string[]);
      const out: StoredHrEvent[] = [];
      for (const n of names) {
        if (!n.endsWith('.json')) continue;
        const f = await read(join(dir, n));
        if (f.resolvedAt !== null) continue;
        out.push({ event: f.event, receivedAt: Date.parse(f.receivedAt), containedAt: f.containedAt === null ? null : Date.parse(f.containedAt) });
      }
      return out.sort((a, b) => a.receivedAt - b.receivedAt || a.event.id.localeCompare(b.event.id));
    },
    async resolve(id, resolution, atMs) {
      await update(id, (f) => (f.resolvedAt === null ? { ...f, resolvedAt: new Date(atMs).toISOString(), resolution } : null));
    },
    markContained: (id, atMs) => update(id, (f) => (f.containedAt === null ? { ...f, containedAt: new Date(atMs).toISOString() } : null)),
  };
}
