import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { verifyJournalLines } from '../../src/journal/verify.js';
import { signerFromPem } from '../../src/signing/ed25519.js';
import { fileStore } from '../../src/state/file-store.js';
import { openStateStore } from '../../src/run/state.js';
import type { StateStore } from '../../src/state/store.js';
import { tempDir } from '../cli/run-cli.js';
import { describeWithPostgres, freshDatabase, testPostgres, type TestDatabase } from '../support/postgres.js';
import { aChangeEntry } from '../support/journal.js';
import { aChange } from '../support/changes.js';

const silent = { info: () => {}, warn: () => {}, debug: () => {} };

const entry = aChangeEntry;

/** A manual task for vpn's owner to disable ann@acme.com. */
const task = aChange({
  provider: 'vpn',
  action: 'task',
  target: { account: { id: 'u1', login: 'ann@acme.com' } },
  reason: { rule: 'leaver', kind: 'lifecycle', detail: 'terminated', source: 'policies/rules.yaml:3' },
});

const termination = (id: string, email = 'ann@acme.com') => ({ id, type: 'termination' as const, person: { email }, effectiveAt: '2026-12-01T09:00:00.000Z' });

const opened: StateStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** Opens the PostgreSQL store of a test database the way a deployment does: the whole URL, password included, by reference. */
async function pgStore(db: TestDatabase, write = true): Promise<StateStore> {
  const url = new URL(db.url);
  url.password = db.password;
  process.env[`LOCKSTEP_TEST_URL_${db.name}`] = url.toString();
  const s = await openStateStore(null, { state: `\${env:LOCKSTEP_TEST_URL_${db.name}}` }, { log: silent, write });
  opened.push(s);
  return s;
}

/** The behaviour every backend owes its callers. */
function contract(name: string, make: () => Promise<StateStore>) {
  describe(`the ${name} state store`, () => {
    it('appends a chained journal, continues it from a new writer, and verifies it against its checkpoint', async () => {
      const store = await make();
      const w = await store.journal.open({});
      await Promise.all([1, 2, 3].map((n) => w.append(entry(n))));
      await w.close();
      const w2 = await store.journal.open({});
      expect(w2.lastSeq).toBe(3);
      await w2.append(entry(4));
      await w2.close();
      expect((await store.journal.read()).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      const content = (await store.journal.content())!;
      expect(content.checkpoint).toMatchObject({ seq: 4 });
      expect(verifyJournalLines(content.lines, { checkpoint: content.checkpoint, ...store.journal.layout })).toMatchObject({ ok: true, records: 4 });
    });

    it('signs every record and the checkpoint with a key', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const signer = signerFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'key');
      const store = await make();
      const w = await store.journal.open({ signer });
      await w.append(entry(1));
      await w.append(entry(2));
      await w.close();
      const content = (await store.journal.content())!;
      expect(verifyJournalLines(content.lines, { checkpoint: content.checkpoint, verifier: signer, ...store.journal.layout })).toMatchObject({
        ok: true,
        signatures: { signed: 2, checked: true },
        checkpoint: { signature: 'verified', keyId: signer.keyId },
      });
    });

    it('excludes a second apply while the lock is held, and lets the next one in after release', async () => {
      const store = await make();
      const release = await store.acquireApplyLock();
      await expect(store.acquireApplyLock()).rejects.toThrow(/another apply is running/);
      await release();
      await release();
      const again = await store.acquireApplyLock();
      await again();
    });

    it('keeps manual tasks until a confirmation closes them, keeping when each was opened', async () => {
      const store = await make();
      const book = store.taskBook('vpn', { policyDir: tempDir(), owner: 'netops@acme.com' });
      expect(await book.apply(task, new Map())).toMatchObject({ result: 'pending' });
      const [first] = await book.list();
      expect(first).toMatchObject({ id: task.id, owner: 'netops@acme.com', status: 'open' });
      await book.apply(task, new Map());
      expect((await book.list())[0]!.openedAt).toBe(first!.openedAt);
      expect(await book.apply(task, new Map([[task.id, { by: 'netops@acme.com', at: '2026-12-02', source: 'c.yaml:1' }]]))).toMatchObject({ result: 'ok' });
      expect(await book.list()).toEqual([]);
    });

    it('keeps documents by key, separately per provider', async () => {
      const store = await make();
      const a = store.forProvider('entra-a').documents;
      const b = store.forProvider('entra-b').documents;
      expect(await a.get('delta.json')).toBeUndefined();
      await a.put('delta.json', '{"v":1}');
      await a.put('delta.json', '{"v":2}');
      expect(await a.get('delta.json')).toBe('{"v":2}');
      expect(await b.get('delta.json')).toBeUndefined();
      await store.documents.put('controller/last-cycle', 'x');
      expect(await store.documents.get('controller/last-cycle')).toBe('x');
    });

    it('records HR events once, lists those standing in arrival order, resolves them and counts containment once', async () => {
      const store = await make();
      expect(await store.hrEvents.record(termination('e2', 'bo@acme.com'), 2_000)).toBe('recorded');
      expect(await store.hrEvents.record(termination('e1'), 1_000)).toBe('recorded');
      expect(await store.hrEvents.record(termination('e1'), 3_000)).toBe('duplicate');
      expect((await store.hrEvents.standing()).map((e) => [e.event.id, e.receivedAt, e.containedAt])).toEqual([
        ['e1', 1_000, null],
        ['e2', 2_000, null],
      ]);
      expect(await store.hrEvents.markContained('e1', 5_000)).toBe(true);
      expect(await store.hrEvents.markContained('e1', 6_000)).toBe(false);
      await store.hrEvents.resolve('e2', 'the roster says the same', 7_000);
      expect((await store.hrEvents.standing()).map((e) => [e.event.id, e.containedAt])).toEqual([['e1', 5_000]]);
      expect((await store.hrEvents.standing())[0]!.event).toEqual(termination('e1'));
    });
  });
}

contract('file', async () => fileStore(tempDir()));

describeWithPostgres('PostgreSQL backend', () => {
  contract('postgres', async () => pgStore(await freshDatabase()));

  it('creates its schema once when several writers start together, and records the version', async () => {
    const db = await freshDatabase();
    await Promise.all([pgStore(db), pgStore(db), pgStore(db)]);
    expect(await db.sql('SELECT version FROM lockstep.schema_version')).toEqual([{ version: 1 }]);
  });

  it('a reader of a database Lockstep never wrote sees an empty state and creates nothing', async () => {
    const db = await freshDatabase();
    const store = await pgStore(db, false);
    expect(await store.journal.content()).toBeNull();
    expect(await store.hrEvents.standing()).toEqual([]);
    expect(await db.sql("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'lockstep'")).toEqual([]);
  });

  it('refuses a schema from a newer Lockstep, reading and writing nothing', async () => {
    const db = await freshDatabase();
    await pgStore(db);
    await db.sql("INSERT INTO lockstep.schema_version (version, applied_by) VALUES (2, 'future')");
    await expect(pgStore(db)).rejects.toThrow(/version 2, from a newer Lockstep \(this one knows up to version 1\)/);
    await expect(pgStore(db, false)).rejects.toThrow(UserError);
  });

  it('excludes applies across connections, and a holder killed with its connection releases the lock', async () => {
    const db = await freshDatabase();
    const a = await pgStore(db);
    const b = await pgStore(db);
    await a.acquireApplyLock();
    await expect(b.acquireApplyLock()).rejects.toThrow(/apply lock is held by lockstep apply pid \d+ on/);
    await db.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'lockstep apply%'");
    const release = await b.acquireApplyLock();
    await release();
  });

  it('the journal table refuses updates, deletes and truncation', async () => {
    const db = await freshDatabase();
    const store = await pgStore(db);
    const w = await store.journal.open({});
    await w.append(entry(1));
    await w.close();
    await expect(db.sql("UPDATE lockstep.journal SET line = 'x'")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.sql('DELETE FROM lockstep.journal')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.sql('TRUNCATE lockstep.journal')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it('refuses a wrong password or an unreachable server with a clear error that shows no password', async () => {
    const db = await freshDatabase();
    const wrong = await openStateStore(null, { state: db.url }, { log: silent, write: true }).then(
      () => null,
      (e: Error) => e,
    );
    // No password given at all (no PGPASSWORD): refused, saying how to give one.
    expect(wrong).toBeInstanceOf(UserError);
    expect(wrong!.message).toMatch(/needs a password/);
    process.env.LOCKSTEP_WRONG_URL = db.url.replace('lockstep@', 'lockstep:not-the-password-42@');
    const bad = await openStateStore(null, { state: '${env:LOCKSTEP_WRONG_URL}' }, { log: silent, write: true }).then(
      () => null,
      (e: Error) => e,
    );
    expect(bad).toBeInstanceOf(UserError);
    expect(bad!.message).toMatch(/refused the credentials/);
    expect(bad!.message).not.toContain('not-the-password-42');
    const closed = new URL(testPostgres!.url);
    closed.port = '1';
    await expect(openStateStore(null, { state: closed.toString() }, { log: silent, write: true })).rejects.toThrow(
      /cannot reach the state store postgres:\/\/lockstep@127\.0\.0\.1:1/,
    );
  });
});

describeWithPostgres('PostgreSQL least-privilege roles (deploy/postgres/grants.sql)', () => {
  it('a runtime role with only those grants runs Lockstep, appends to the journal, and cannot change a record', async () => {
    const db = await freshDatabase();
    await pgStore(db); // the owner migrates once
    const suffix = db.name.slice(2);
    const app = `lockstep_app_${suffix}`;
    const auditor = `lockstep_auditor_${suffix}`;
    await db.sql(`CREATE ROLE ${app} LOGIN PASSWORD 'app-pw-${suffix}'`);
    await db.sql(`CREATE ROLE ${auditor} LOGIN PASSWORD 'audit-pw-${suffix}'`);
    const { readFileSync } = await import('node:fs');
    const { ROOT } = await import('../cli/run-cli.js');
    const grants = readFileSync(join(ROOT, 'deploy', 'postgres', 'grants.sql'), 'utf8')
      .replaceAll('lockstep_app', app)
      .replaceAll('lockstep_auditor', auditor);
    await db.sql(grants);
    const as = async (role: string, write: boolean) => {
      const url = new URL(db.url);
      url.username = role;
      url.password = role === app ? `app-pw-${suffix}` : `audit-pw-${suffix}`;
      process.env[`LOCKSTEP_TEST_URL_${role}`] = url.toString();
      const s = await openStateStore(null, { state: `\${env:LOCKSTEP_TEST_URL_${role}}` }, { log: silent, write });
      opened.push(s);
      return s;
    };
    const store = await as(app, true);
    const w = await store.journal.open({});
    await w.append(entry(1));
    await w.append(entry(2));
    await w.close();
    await (
      await store.acquireApplyLock()
    )();
    expect(await store.hrEvents.record(termination('e1'), 1)).toBe('recorded');
    await store.taskBook('vpn', { policyDir: '/p' }).apply(task, new Map());
    await store.documents.put('controller/last-cycle', '{}');
    const reader = await as(auditor, false);
    const content = (await reader.journal.content())!;
    expect(verifyJournalLines(content.lines, { checkpoint: content.checkpoint, ...reader.journal.layout })).toMatchObject({ ok: true, records: 2 });
    // The runtime role itself cannot rewrite or remove a record (no grant), whatever the trigger.
    const url = new URL(db.url);
    url.username = app;
    url.password = `app-pw-${suffix}`;
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      await expect(c.query("UPDATE lockstep.journal SET line = 'x'")).rejects.toThrow(/permission denied/);
      await expect(c.query('DELETE FROM lockstep.journal')).rejects.toThrow(/permission denied/);
    } finally {
      await c.end();
    }
  });
});
