import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAge, readSavedPlan } from '../../src/apply/saved-plan.js';
import { planChecksum } from '../../src/plan/checksum.js';
import { aChange, aPlan } from './builders.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-plan-'));
  file = join(dir, 'plan.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const created = '2026-11-22T00:00:00.000Z';
const now = Date.parse(created) + 60_000;
const checks = { maxAgeMs: 24 * 3_600_000, nowMs: now };
const plan = () => aPlan([aChange({ action: 'suspend', precondition: { accountStatus: ['active'] } })], { createdAt: created });
const save = (value: unknown) => writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

describe('readSavedPlan', () => {
  it('reads a valid, unmodified, fresh plan', async () => {
    const p = plan();
    await save(p);
    expect(await readSavedPlan(file, checks)).toEqual(p);
  });

  it('accepts a newer minor format version', async () => {
    const p = { ...plan(), formatVersion: '1.7' };
    await save({ ...p, checksum: planChecksum(p) });
    expect((await readSavedPlan(file, checks)).formatVersion).toBe('1.7');
  });

  it('refuses a file that is not JSON', async () => {
    await save('{ "formatVersion": ');
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/not a plan file: it is not JSON/);
  });

  it('refuses a missing file', async () => {
    await expect(readSavedPlan(join(dir, 'nope.json'), checks)).rejects.toThrow(/no such plan file/);
  });

  it('refuses a schema-invalid plan', async () => {
    const { guard: _guard, ...rest } = plan();
    await save(rest);
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/not a valid plan: .*guard/);
  });

  it('refuses an unsupported format major', async () => {
    await save({ ...plan(), formatVersion: '2.0' });
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/formatVersion 2\.0 is not supported: this Lockstep reads 1\.x plans/);
  });

  it('refuses a plan modified after it was made', async () => {
    const p = plan();
    p.changes[0]!.target = { account: { id: '00u2', login: 'bob@acme.com' } };
    await save(p);
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/plan file was modified after it was made/);
  });

  it('refuses a plan older than the maximum age', async () => {
    await save(plan());
    await expect(readSavedPlan(file, { maxAgeMs: checks.maxAgeMs, nowMs: Date.parse(created) + 25 * 3_600_000 })).rejects.toThrow(
      `Saved plan is stale: made ${created}, older than 24h; run plan again`,
    );
    expect(await readSavedPlan(file, { maxAgeMs: Infinity, nowMs: Date.parse('2030-01-01T00:00:00Z') })).toBeTruthy();
  });

  it('the checksum ignores createdAt and checksum but covers everything else', () => {
    const p = plan();
    expect(planChecksum({ ...p, createdAt: '2020-01-01T00:00:00Z', checksum: 'x' })).toBe(p.checksum);
    expect(planChecksum({ ...p, now: '2026-11-23T00:00:00Z' })).not.toBe(p.checksum);
    expect(p.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('formats ages by their largest whole unit', () => {
    expect([formatAge(86_400_000), formatAge(7 * 86_400_000), formatAge(90 * 60_000), formatAge(1500)]).toEqual(['24h', '7d', '90m', '1500ms']);
  });
});
