import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from '../errors.js';

/** Who holds the apply lock, written into the lock target for the next one to read. */
export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  since: string;
}

export interface ApplyLockOptions {
  /** A lock whose heartbeat is older than this is taken over (proper-lockfile's `stale`, at least 2000). */
  staleMs?: number;
  /** Called if the lock is lost while held (its folder removed or taken over). */
  onCompromised?: (error: Error) => void;
}

const DEFAULT_STALE_MS = 10_000;

/**
 * Takes the state folder's apply lock so that two applies on one policy repository never
 * run at once (SPEC §9), and returns its release (safe to call twice). The lock is
 * proper-lockfile's: an atomic mkdir whose mtime the holder refreshes, so a lock left by
 * a dead process goes stale and is taken over. A live holder makes this fail at once
 * with a UserError naming it; a holder on this host whose process is gone is waited out
 * until its heartbeat goes stale rather than removed by hand, which would race another
 * process doing the same.
 */
export async function acquireApplyLock(stateDir: string, opts: ApplyLockOptions = {}): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const target = join(stateDir, 'apply.lock');
  const stale = Math.max(2_000, opts.staleMs ?? DEFAULT_STALE_MS);
  const onCompromised = opts.onCompromised ?? ((e: Error) => process.emitWarning(`apply lock ${target} was lost: ${e.message}`));
  const take = (retries: number) =>
    lockfile.lock(target, { stale, realpath: false, onCompromised, retries: retries === 0 ? 0 : { retries, minTimeout: 250, maxTimeout: 500 } });

  let release: () => Promise<void>;
  try {
    release = await take(0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    const holder = await readHolder(target);
    if (!holder || holder.host !== hostname() || isAlive(holder.pid)) {
      throw new UserError(`another apply is running on this policy repository: the lock ${target} is held by ${describeHolder(holder)}; wait for it to finish`);
    }
    try {
      release = await take(Math.ceil(stale / 250) + 4);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      throw new UserError(`the lock ${target} is still held (last by ${describeHolder(holder)}); remove ${target}.lock if no apply is running`);
    }
  }

  const holder: LockHolder = { pid: process.pid, host: hostname(), user: safeUser(), since: new Date().toISOString() };
  await writeFile(target, `${JSON.stringify(holder)}\n`);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      await writeFile(target, '');
    } finally {
      await release();
    }
  };
}

async function readHolder(target: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await readFile(target, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, user: h.user ?? 'unknown', since: h.since ?? 'unknown' } : null;
  } catch {
    return null;
  }
}

function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host} (user ${h.user}) since ${h.since}` : 'another process (holder unknown)';
}

/** Whether a process of this host exists; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
