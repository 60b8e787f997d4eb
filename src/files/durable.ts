import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a new file and syncs it to disk before resolving. */
export async function writeFileSynced(path: string, text: string, mode: number): Promise<void> {
  const file = await open(path, 'w', mode);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Syncs a folder, so that names created or renamed in it survive a crash. */
export async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** A temporary name beside `path`, unique to this call. */
export function temporaryBeside(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Replaces a file atomically and durably: a temporary file written and synced, renamed
 * over the old one, and the folder synced, so that after a crash the file holds either
 * the old content or the new, and a reader never sees half of it.
 */
export async function replaceFileDurably(path: string, text: string, opts: { mode?: number; folderMode?: number } = {}): Promise<void> {
  // Folders the call creates get `folderMode` (private state: 0700); existing ones keep theirs.
  await mkdir(dirname(path), { recursive: true, ...(opts.folderMode === undefined ? {} : { mode: opts.folderMode }) });
  const mode = opts.mode ?? 0o644;
  const tmp = temporaryBeside(path);
  try {
    await writeFileSynced(tmp, text, mode);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncFolder(dirname(path));
}
