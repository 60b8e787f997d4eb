import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireApplyLock } from '../../src/state/file-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A pid no process has: above Linux's pid_max ceiling. */
const DEAD_PID = 4_194_305;

describe('acquireApplyLock', () => {
  it('a second acquire fails at once naming the holder; works after release', async () => {
    const release = await acquireApplyLock(dir);
    const started = Date.now();
    await expect(acquireApplyLock(dir)).rejects.toThrow(new RegExp(`another apply is running.*held by pid ${process.pid} on ${hostname()}`));
    expect(Date.now() - started).toBeLessThan(1_000);
    await release();
    await release();
    const again = await acquireApplyLock(dir);
    await again();
  });

  it('recovers a lock left stale by a dead process', async () => {
    const target = join(dir, 'apply.lock');
    await writeFile(target, JSON.stringify({ pid: DEAD_PID, host: hostname(), user: 'x', since: '2026-01-01T00:00:00Z' }));
    await mkdir(`${target}.lock`);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${target}.lock`, old, old);
    const release = await acquireApplyLock(dir);
    await release();
  });

  it('waits out a fresh lock whose holder on this host is dead', async () => {
    const target = join(dir, 'apply.lock');
    await writeFile(target, JSON.stringify({ pid: DEAD_PID, host: hostname(), user: 'x', since: '2026-01-01T00:00:00Z' }));
    await mkdir(`${target}.lock`);
    const release = await acquireApplyLock(dir, { staleMs: 2_000 });
    await release();
  });
});
