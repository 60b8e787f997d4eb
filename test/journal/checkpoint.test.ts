import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointPathFor, makeCheckpoint, readCheckpointFile, writeCheckpointFile } from '../../src/journal/checkpoint.js';
import { openJournalFile } from '../../src/journal/file-journal.js';
import { lineHash } from '../../src/journal/record.js';
import { verifyJournal } from '../../src/journal/verify.js';
import { signerFromPem, verifierFromPem, type Signer } from '../../src/signing/ed25519.js';
import { aChangeEntry, reHash } from '../support/journal.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-checkpoint-'));
  path = join(dir, 'journal.jsonl');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signer: signerFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'test key'),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

const entry = aChangeEntry;

async function writeJournal(count: number, signer: Signer | null = null): Promise<string[]> {
  const w = await openJournalFile(path, { signer, clock: () => new Date('2026-11-22T00:00:00Z') });
  for (let i = 1; i <= count; i++) await w.append(entry(i));
  await w.close();
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}
const save = (lines: string[]) => writeFile(path, lines.map((l) => `${l}\n`).join(''));

describe('journal checkpoint', () => {
  it('is written beside the journal after every write and matches the last record', async () => {
    const lines = await writeJournal(3);
    const cp = await readCheckpointFile(checkpointPathFor(path));
    expect(cp).toMatchObject({ formatVersion: 1, seq: 3, lineHash: lineHash(Buffer.from(lines[2]!, 'utf8')) });
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 3, checkpoint: { seq: 3, signature: 'unsigned' } });
  });

  it('catches records cut off the end, naming the first missing one', async () => {
    const lines = await writeJournal(5);
    await save(lines.slice(0, 3));
    const v = await verifyJournal(path);
    expect(v).toMatchObject({ ok: false, records: 3, firstBad: { seq: 4, reason: 'truncated' } });
    expect(v.message).toContain('seqs 4–5 are missing from the end');
    await save([]);
    expect(await verifyJournal(path)).toMatchObject({ ok: false, firstBad: { seq: 1, reason: 'truncated' } });
  });

  it('catches a tail rewritten with recomputed hashes without a key, at the checkpoint', async () => {
    const lines = await writeJournal(5);
    await save(reHash(lines, 3, (r) => (r.result = 'failed')));
    const v = await verifyJournal(path);
    expect(v).toMatchObject({ ok: false, firstBad: { seq: 5, reason: 'edited' } });
    expect(v.message).toContain('rewritten with recomputed hashes');
  });

  it('with a key, names the first re-hashed record exactly, and a forged checkpoint fails', async () => {
    const { signer, publicPem } = keyPair();
    const verifier = verifierFromPem(publicPem, 'pub');
    const lines = await writeJournal(5, signer);
    expect(await verifyJournal(path, { verifier })).toMatchObject({ ok: true, signatures: { signed: 5, checked: true }, checkpoint: { signature: 'verified' } });

    // The forger re-hashes from seq 3 on and rewrites the checkpoint to match, but has no key.
    const forged = reHash(lines, 2, (r) => (r.result = 'failed'));
    await save(forged);
    await writeCheckpointFile(checkpointPathFor(path), makeCheckpoint({ seq: 5, lineHash: lineHash(Buffer.from(forged[4]!, 'utf8')) }, new Date(), null));
    const v = await verifyJournal(path, { verifier });
    expect(v).toMatchObject({ ok: false, records: 2, firstBad: { line: 3, seq: 3, reason: 'unsigned' } });

    // Signed with another key instead: the record signature fails.
    const other = keyPair().signer;
    const forgedSigned = reHash(lines, 2, (r) => (r.result = 'failed'), other);
    await save(forgedSigned);
    await writeCheckpointFile(checkpointPathFor(path), makeCheckpoint({ seq: 5, lineHash: lineHash(Buffer.from(forgedSigned[4]!, 'utf8')) }, new Date(), other));
    expect(await verifyJournal(path, { verifier })).toMatchObject({ ok: false, firstBad: { seq: 3, reason: 'forged' } });

    // Truncated with the checkpoint moved back, unsigned: the checkpoint itself fails.
    await save(lines.slice(0, 3));
    await writeCheckpointFile(checkpointPathFor(path), makeCheckpoint({ seq: 3, lineHash: lineHash(Buffer.from(lines[2]!, 'utf8')) }, new Date(), null));
    expect(await verifyJournal(path, { verifier })).toMatchObject({ ok: false, firstBad: { reason: 'unsigned' } });
    // Without the public key, the same truncation passes the chain and checkpoint: only the key proves it.
    expect((await verifyJournal(path)).ok).toBe(true);
  });

  it('with a key, catches an unsigned record appended after the signed checkpoint', async () => {
    const { signer, publicPem } = keyPair();
    const lines = await writeJournal(2, signer);
    const appended = reHash([...lines, lines[1]!], 2, (r) => (r.seq = 3));
    await save(appended);
    const v = await verifyJournal(path, { verifier: verifierFromPem(publicPem, 'pub') });
    expect(v).toMatchObject({ ok: false, firstBad: { line: 3, seq: 3, reason: 'unsigned' } });
  });

  it('reports a journal with no checkpoint as unanchored', async () => {
    await writeJournal(2);
    await rm(checkpointPathFor(path));
    expect(await verifyJournal(path)).toMatchObject({ ok: false, records: 2, firstBad: { reason: 'unanchored' } });
  });

  it('the writer refuses a truncated journal or a rewritten tail, writing nothing', async () => {
    const lines = await writeJournal(4);
    await save(lines.slice(0, 2));
    await expect(openJournalFile(path)).rejects.toThrow(/does not verify: record seqs 3–4 are missing from the end/);
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
    await save(reHash(lines, 3, (r) => (r.result = 'failed')));
    await expect(openJournalFile(path)).rejects.toThrow(/rewritten with recomputed hashes/);
    await save([]);
    await expect(openJournalFile(path)).rejects.toThrow(/is empty, but its checkpoint .* covers 4 records/);
  });

  it('the writer covers records of an interrupted write with a new checkpoint, and anchors a journal that never had one', async () => {
    const lines = await writeJournal(3);
    // A crash after the records were synced, before their checkpoint: the checkpoint is one write behind.
    await writeCheckpointFile(checkpointPathFor(path), makeCheckpoint({ seq: 1, lineHash: lineHash(Buffer.from(lines[0]!, 'utf8')) }, new Date(), null));
    expect(await verifyJournal(path)).toMatchObject({ ok: true, notes: [expect.stringContaining('2 records after the checkpoint')] });
    const warnings: string[] = [];
    const w = await openJournalFile(path, { warn: (m) => warnings.push(m) });
    expect(w.lastSeq).toBe(3);
    await w.close();
    expect(warnings).toEqual([expect.stringContaining('2 records after the checkpoint')]);
    expect(await readCheckpointFile(checkpointPathFor(path))).toMatchObject({ seq: 3 });

    await rm(checkpointPathFor(path));
    const w2 = await openJournalFile(path, { warn: (m) => warnings.push(m) });
    await w2.append(entry(4));
    await w2.close();
    expect(warnings[1]).toMatch(/has no checkpoint .* covering its 3 records/);
    expect(await verifyJournal(path)).toMatchObject({ ok: true, records: 4, checkpoint: { seq: 4 } });
  });

  it('the writer refuses a signed journal whose checkpoint was removed or re-signed by another key', async () => {
    const { signer } = keyPair();
    await writeJournal(2, signer);
    const cpFile = checkpointPathFor(path);
    const saved = await readFile(cpFile, 'utf8');
    await rm(cpFile);
    await expect(openJournalFile(path, { signer })).rejects.toThrow(/holds signed records but its checkpoint .* is missing/);
    await writeFile(cpFile, saved);
    await expect(openJournalFile(path, { signer: keyPair().signer })).rejects.toThrow(/not signed by key/);
    const w = await openJournalFile(path, { signer });
    expect(w.lastSeq).toBe(2);
    await w.close();
  });
});
