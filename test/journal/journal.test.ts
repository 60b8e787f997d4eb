import { mkdtemp, readFile, writeFile, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournalFile } from '../../src/journal/file-journal.js';
import { readJournal } from '../../src/journal/reader.js';
import { verifyJournal } from '../../src/journal/verify.js';
import { recordHash, ZERO_HASH } from '../../src/journal/record.js';
import { canonicalJson } from '../../src/journal/canonical-json.js';
import { redactor } from '../../src/policy/secrets.js';
import { aChangeEntry } from '../support/journal.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-journal-'));
  path = join(dir, 'state', 'journal.jsonl');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const entry = aChangeEntry;

async function writeJournal(count: number): Promise<string[]> {
  const w = await openJournalFile(path, { clock: () => new Date('2026-11-22T00:00:00Z') });
  for (let i = 1; i <= count; i++) await w.append(entry(i));
  await w.close();
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}
const save = (lines: string[]) => writeFile(path, lines.map((l) => `${l}\n`).join(''));

describe('journal writer and verify', () => {
  it('round-trips records with contiguous seq, a prev chain and own hashes', async () => {
    await writeJournal(3);
    const records = await readJournal(path);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prev).toBe(ZERO_HASH);
    for (const r of records) expect(r.hash).toBe(recordHash(r));
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 3, head: { seq: 3 } });
  });

  it('continues the chain across writers', async () => {
    await writeJournal(2);
    const w = await openJournalFile(path);
    expect(w.lastSeq).toBe(2);
    const r = await w.append(entry(3));
    await w.close();
    expect(r.seq).toBe(3);
    expect((await verifyJournal(path)).ok).toBe(true);
  });

  it('serialises concurrent appends', async () => {
    const w = await openJournalFile(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.append(entry(i + 1))));
    await w.close();
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 20 });
  });

  it('writes appends that arrive during a write together (one fsync each group), acknowledging each only once synced', async () => {
    const w = await openJournalFile(path);
    const file = (w.storage as unknown as { file: { sync(): Promise<void> } }).file;
    const sync = file.sync.bind(file);
    let syncs = 0;
    let synced = 0;
    file.sync = async () => {
      syncs++;
      await sync();
      synced = (await readFile(path, 'utf8')).split('\n').length - 1;
    };
    const acknowledged: number[] = [];
    const append = (n: number) =>
      w.append(entry(n)).then((r) => {
        expect(r.seq).toBeLessThanOrEqual(synced);
        acknowledged.push(r.seq);
        return r;
      });
    // One append starts a write; 199 more arrive while it is in flight.
    const first = append(1);
    await new Promise((r) => setImmediate(r));
    const records = await Promise.all([first, ...Array.from({ length: 199 }, (_, i) => append(i + 2))]);
    await w.close();
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(records.map((r) => r.changeId)).toEqual(Array.from({ length: 200 }, (_, i) => entry(i + 1).changeId));
    expect(acknowledged).toHaveLength(200);
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(3);
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 200 });
    // Appends after a quiet spell start a new write of their own.
    const again = await openJournalFile(path);
    expect((await again.append(entry(201))).seq).toBe(201);
    expect((await again.append(entry(202))).seq).toBe(202);
    await again.close();
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 202 });
  });

  it('names an edited record', async () => {
    const lines = await writeJournal(4);
    lines[1] = lines[1]!.replace('"result":"ok"', '"result":"failed"');
    await save(lines);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, records: 1, firstBad: { line: 2, seq: 2, reason: 'edited' } });
  });

  it('names an edited record whose own hash was recomputed through the broken link', async () => {
    const lines = await writeJournal(4);
    const r = JSON.parse(lines[1]!);
    r.result = 'failed';
    r.hash = recordHash(r);
    lines[1] = canonicalJson(r);
    await save(lines);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, firstBad: { line: 2, seq: 2, reason: 'edited' } });
  });

  it('names a re-serialised record as edited', async () => {
    const lines = await writeJournal(2);
    lines[1] = JSON.stringify(JSON.parse(lines[1]!), null, 0).replace('{', '{ ');
    await save(lines);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, firstBad: { line: 2, seq: 2, reason: 'edited' } });
  });

  it('names a deleted record', async () => {
    const lines = await writeJournal(5);
    lines.splice(2, 1);
    await save(lines);
    const v = await verifyJournal(path);
    expect(v).toMatchObject({ ok: false, records: 2, firstBad: { line: 3, seq: 3, reason: 'deleted' } });
    expect(v.message).toContain('seq 3 is missing');
  });

  it('names a deleted first record', async () => {
    const lines = await writeJournal(3);
    lines.shift();
    await save(lines);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, firstBad: { line: 1, seq: 1, reason: 'deleted' } });
  });

  it('names two swapped records as reordered', async () => {
    const lines = await writeJournal(5);
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    await save(lines);
    const v = await verifyJournal(path);
    expect(v).toMatchObject({ ok: false, records: 2, firstBad: { line: 3, seq: 4, reason: 'reordered' } });
    expect(v.message).toContain('seq 3 is at line 4');
  });

  it('names a duplicated record as inserted', async () => {
    const lines = await writeJournal(3);
    lines.push(lines[1]!);
    await save(lines);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, firstBad: { line: 4, seq: 2, reason: 'inserted' } });
  });

  it('names a torn last line and a malformed line', async () => {
    const lines = await writeJournal(3);
    await writeFile(path, `${lines.slice(0, 2).join('\n')}\n${lines[2]!.slice(0, 40)}`);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, records: 2, firstBad: { line: 3, reason: 'torn' } });
    await writeFile(path, `${lines[0]}\nnot json\n${lines[1]}\n`);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, records: 1, firstBad: { line: 2, reason: 'malformed' } });
  });

  it('reader leaves out a torn last line', async () => {
    const lines = await writeJournal(2);
    await appendFile(path, lines[1]!.slice(0, 30));
    expect((await readJournal(path)).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('refuses to append to a journal with a corrupt tail, writing nothing', async () => {
    const lines = await writeJournal(2);
    const torn = `${lines.join('\n')}\n${lines[1]!.slice(0, 30)}`;
    await writeFile(path, torn);
    await expect(openJournalFile(path)).rejects.toThrow(/torn line.*nothing was written/);
    expect(await readFile(path, 'utf8')).toBe(torn);

    const edited = [lines[0]!, lines[1]!.replace('"ok"', '"failed"')];
    await save(edited);
    await expect(openJournalFile(path)).rejects.toThrow(/corrupt tail.*does not match its hash/);

    await writeFile(path, `${lines[0]}\ngarbage\n`);
    await expect(openJournalFile(path)).rejects.toThrow(/not a journal record/);
  });

  it('redacts registered secrets in every string, in the file and the sink', async () => {
    redactor.add('s3cr3t-token-value');
    const sunk: string[] = [];
    const w = await openJournalFile(path, { sink: { write: (l) => sunk.push(l) } });
    await w.append({ ...entry(1), error: 'HTTP 401 for token s3cr3t-token-value', detail: { nested: ['x s3cr3t-token-value y'] } });
    await w.close();
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('s3cr3t-token-value');
    expect(text).toContain('[REDACTED]');
    expect(sunk.join('')).toBe(text);
    expect((await verifyJournal(path)).ok).toBe(true);
  });
});
