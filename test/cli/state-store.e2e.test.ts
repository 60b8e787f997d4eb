import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineHash } from '../../src/journal/record.js';
import { openStateStore } from '../../src/run/state.js';
import { freshDatabase, testPostgres, type TestDatabase } from '../support/postgres.js';
import { runCli, type CliResult } from './run-cli.js';
import { membersOf, scimWorld, statusOf, type ScimWorld } from './scim-world.js';
import { reHash } from '../support/journal.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

/**
 * The journal as a user meets it on either backend: an apply writes it, `audit verify`
 * names the first bad or missing record for every kind of tampering tried (edit, delete,
 * reorder, truncate, a re-hashed forgery without a key and with a key), and a store that
 * cannot be trusted or reached stops an apply before anything is applied.
 */

/** One backend's journal, read and rewritten behind Lockstep's back. */
interface Tamperable {
  name: string;
  args: string[];
  env: Record<string, string>;
  lines(): Promise<string[]>;
  /** Replaces the journal's records (and, when given, its checkpoint's head). */
  replace(lines: string[], checkpoint?: { seq: number; line: string }): Promise<void>;
  restore(): Promise<void>;
}

function fileJournal(cwd: string): Tamperable {
  const file = join(cwd, '.lockstep', 'journal.jsonl');
  const cpFile = `${file}.checkpoint`;
  let saved: { journal: string; checkpoint: string } | null = null;
  return {
    name: 'file',
    args: [],
    env: {},
    lines: async () => readFileSync(file, 'utf8').trimEnd().split('\n'),
    async replace(lines, checkpoint) {
      saved ??= { journal: readFileSync(file, 'utf8'), checkpoint: readFileSync(cpFile, 'utf8') };
      writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
      if (checkpoint) {
        const cp = JSON.parse(readFileSync(cpFile, 'utf8')) as Record<string, unknown>;
        writeFileSync(cpFile, JSON.stringify({ ...cp, seq: checkpoint.seq, lineHash: lineHash(Buffer.from(checkpoint.line, 'utf8')), sig: undefined }));
      }
    },
    async restore() {
      if (!saved) return;
      writeFileSync(file, saved.journal);
      writeFileSync(cpFile, saved.checkpoint);
      saved = null;
    },
  };
}

function postgresJournal(db: TestDatabase): Tamperable {
  let saved: { lines: string[]; checkpoint: string } | null = null;
  const rewrite = async (lines: string[], checkpoint?: string) => {
    // The trigger guards the table against the runtime role and the owner alike; tampering
    // takes a superuser switching it off, as an attacker with that power would.
    await db.sql('ALTER TABLE lockstep.journal DISABLE TRIGGER USER');
    await db.sql('DELETE FROM lockstep.journal');
    // Row i holds line i: moving a line moves it to another row, as a reordering in place would.
    for (const [i, line] of lines.entries()) await db.sql('INSERT INTO lockstep.journal (seq, line) VALUES ($1, $2)', [i + 1, line]);
    await db.sql('ALTER TABLE lockstep.journal ENABLE TRIGGER USER');
    if (checkpoint !== undefined) await db.sql('UPDATE lockstep.journal_checkpoint SET checkpoint = $1', [checkpoint]);
  };
  const lines = async () => (await db.sql<{ line: string }>('SELECT line FROM lockstep.journal ORDER BY seq')).map((r) => r.line);
  return {
    name: 'postgres',
    args: ['--state', db.url],
    env: { PGPASSWORD: db.password },
    lines,
    async replace(next, checkpoint) {
      saved ??= { lines: await lines(), checkpoint: (await db.sql<{ checkpoint: string }>('SELECT checkpoint FROM lockstep.journal_checkpoint'))[0]!.checkpoint };
      let cp: string | undefined;
      if (checkpoint) {
        const old = JSON.parse(saved.checkpoint) as Record<string, unknown>;
        cp = JSON.stringify({ ...old, seq: checkpoint.seq, lineHash: lineHash(Buffer.from(checkpoint.line, 'utf8')), sig: undefined });
      }
      // Rows are keyed by seq: a reordering swaps the contents of two rows.
      await rewrite(next, cp);
    },
    async restore() {
      if (!saved) return;
      await rewrite(saved.lines, saved.checkpoint);
      saved = null;
    },
  };
}

const backends: string[] = ['file', ...(testPostgres ? ['postgres'] : [])];

describe.each(backends)('the journal on the %s backend', (backend) => {
  let world: ScimWorld;
  let journal: Tamperable;
  let publicKey: string;
  const verify = (extra: string[] = []): Promise<CliResult> =>
    runCli(['audit', 'verify', ...journal.args, ...extra], { cwd: world.cwd, env: { ...world.env, ...journal.env } });

  beforeAll(async () => {
    world = await scimWorld({ size: 12, leaving: 3, exchanges });
    const { privateKey, publicKey: pub } = generateKeyPairSync('ed25519');
    writeFileSync(join(world.cwd, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    publicKey = join(world.cwd, 'signing.pub');
    writeFileSync(publicKey, pub.export({ type: 'spki', format: 'pem' }).toString());
    world.policy.withConfig({ signing: { key: `\${file:${join(world.cwd, 'signing.pem')}}` } });
    world.writePolicy();
    journal = backend === 'postgres' ? postgresJournal(await freshDatabase()) : fileJournal(world.cwd);
    const r = await runCli(['apply', '--auto-approve', ...journal.args], { cwd: world.cwd, env: { ...world.env, ...journal.env } });
    expect(r.code, r.stderr).toBe(0);
    for (const l of world.leavers) expect(statusOf(world.emu, l)).toBe('suspended');
  }, 60_000);
  afterAll(() => world?.emu.close());

  it('verifies intact, every record signed, and says so', async () => {
    const r = await verify(['--public-key', publicKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /journal intact: \d+ records, seq 1–\d+, chain verified; checkpoint of \S+ matches seq \d+; signatures verified \(key ed25519:[0-9a-f]{16}\)/,
    );
  });

  /** Each kind of tampering: what it does to the records, and how verify must name it. */
  it('evidence carries the checkpoint and the signature check', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const r = await runCli(['evidence', '--from', day(-1), '--to', day(1), '--out', 'evidence', '--public-key', publicKey, ...journal.args], {
      cwd: world.cwd,
      env: { ...world.env, ...journal.env },
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = await journal.lines();
    const checkpoint = JSON.parse(readFileSync(join(world.cwd, 'evidence', 'journal-checkpoint.json'), 'utf8')) as { seq: number; sig?: string };
    expect(checkpoint.seq).toBe(lines.length);
    expect(checkpoint.sig).toEqual(expect.any(String));
    expect(JSON.parse(readFileSync(join(world.cwd, 'evidence', 'journal-verification.json'), 'utf8'))).toMatchObject({
      ok: true,
      backend,
      checkpoint: { seq: lines.length, signature: 'verified' },
      signatures: { checked: true, signed: lines.length },
    });
    expect(readFileSync(join(world.cwd, 'evidence', 'journal-extract.jsonl'), 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  const tampering: Array<[string, (lines: string[]) => { lines: string[]; checkpoint?: { seq: number; line: string }; reason: RegExp; where: RegExp }]> = [
    [
      'an edited record',
      (l) => {
        const k = l.findIndex((x) => x.includes('"result":"ok"'));
        return {
          lines: l.map((x, i) => (i === k ? x.replace('"result":"ok"', '"result":"failed"') : x)),
          reason: /\(edited\)/,
          where: new RegExp(`(line|row) ${k + 1} \\(seq ${k + 1}\\) was changed after it was written`),
        };
      },
    ],
    ['a deleted record', (l) => ({ lines: l.filter((_, i) => i !== 2), reason: /\(deleted\)/, where: /record seq 3 is missing/ })],
    [
      'two records swapped',
      (l) => ({ lines: l.map((x, i) => (i === 2 ? l[3]! : i === 3 ? l[2]! : x)), reason: /\(reordered\)/, where: /holds seq 4 where seq 3 was expected/ }),
    ],
    [
      'records cut off the end',
      (l) => ({ lines: l.slice(0, l.length - 2), reason: /\(truncated\)/, where: new RegExp(`seqs ${l.length - 1}–${l.length} are missing from the end`) }),
    ],
    [
      'a tail re-hashed without the key, checkpoint moved to match',
      (l) => {
        const forged = reHash(l, 4, (r) => (r.detail = 'rewritten'));
        return {
          lines: forged,
          checkpoint: { seq: forged.length, line: forged.at(-1)! },
          reason: /\(unsigned\)/,
          where: /(line|row) 5 \(seq 5\) is not signed although the records before it are/,
        };
      },
    ],
  ];

  for (const [what, tamper] of tampering) {
    it(`names ${what}, and apply refuses to continue the journal`, async () => {
      const lines = await journal.lines();
      const t = tamper(lines);
      await journal.replace(t.lines, t.checkpoint);
      try {
        const r = await verify(['--public-key', publicKey]);
        expect(r.code, r.stdout).toBe(1);
        expect(r.stderr).toMatch(/journal verification FAILED/);
        expect(r.stderr).toMatch(t.reason);
        expect(r.stderr).toMatch(t.where);
        // Drift for the apply to correct: a leaver back in Sales.
        const leaver = world.emu.observed().accounts.find((a) => a.login === world.leavers[0])!;
        world.emu.store.patch('Groups', 'g-sales', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: leaver.id }] }],
        });
        const apply = await runCli(['apply', '--auto-approve', ...journal.args], { cwd: world.cwd, env: { ...world.env, ...journal.env } });
        expect(apply.code).toBe(1);
        expect(apply.stderr).toMatch(/nothing was written/);
        expect(membersOf(world.emu, 'Sales')).toContain(world.leavers[0]);
        world.emu.store.patch('Groups', 'g-sales', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'remove', path: `members[value eq "${leaver.id}"]` }],
        });
      } finally {
        await journal.restore();
      }
      expect((await verify(['--public-key', publicKey])).code).toBe(0);
    });
  }

  it('without the key, a re-hashed tail with its checkpoint moved passes the chain: only a signature proves it', async () => {
    const lines = await journal.lines();
    const forged = reHash(lines, lines.length - 2, (r) => (r.result = 'failed'));
    await journal.replace(forged, { seq: forged.length, line: forged.at(-1)! });
    try {
      expect((await verify()).code).toBe(0);
      const signed = await verify(['--public-key', publicKey]);
      expect(signed.code).toBe(1);
      expect(signed.stderr).toMatch(/not signed by key|is not signed/);
    } finally {
      await journal.restore();
    }
  });
});

describe.skipIf(!testPostgres)('a PostgreSQL store that cannot be trusted or reached', () => {
  let world: ScimWorld;
  beforeAll(async () => {
    world = await scimWorld({ size: 12, leaving: 2, exchanges });
  });
  afterAll(() => world?.emu.close());

  const apply = (args: string[], env: Record<string, string> = {}) => runCli(['apply', '--auto-approve', ...args], { cwd: world.cwd, env: { ...world.env, ...env } });
  const untouched = () => world.leavers.every((l) => statusOf(world.emu, l) === 'active');

  it('a wrong password: exit 1, the password nowhere in the output, nothing applied', async () => {
    const db = await freshDatabase();
    const r = await apply(['--state', db.url], { PGPASSWORD: 'not-the-password-31337' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the credentials/);
    expect(r.stdout + r.stderr).not.toContain('not-the-password-31337');
    expect(untouched()).toBe(true);
  });

  it('an unreachable server: exit 1, nothing applied', async () => {
    const r = await apply(['--state', 'postgres://lockstep@127.0.0.1:1/lockstep'], { PGPASSWORD: 'x' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the state store postgres:\/\/lockstep@127\.0\.0\.1:1\/lockstep/);
    expect(untouched()).toBe(true);
  });

  it('a password typed into --state is refused before anything is contacted, and not repeated', async () => {
    const r = await apply(['--state', 'postgres://lockstep:typed-in-secret-99@127.0.0.1:1/lockstep']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/carries a password/);
    expect(r.stdout + r.stderr).not.toContain('typed-in-secret-99');
  });

  it('a schema from a newer Lockstep, and a journal table with a gap: exit 1, nothing applied', async () => {
    const db = await freshDatabase();
    const env = { PGPASSWORD: db.password };
    expect((await runCli(['state', 'migrate', '--state', db.url], { cwd: world.cwd, env })).stdout).toMatch(/schema at version 1/);
    await db.sql("INSERT INTO lockstep.schema_version (version, applied_by) VALUES (7, 'a newer lockstep')");
    const newer = await apply(['--state', db.url], env);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/version 7, from a newer Lockstep/);
    expect(untouched()).toBe(true);

    const gap = await freshDatabase();
    const genv = { PGPASSWORD: gap.password };
    // A journal of three records, written through the store as an apply would.
    const url = new URL(gap.url);
    url.password = gap.password;
    process.env.LOCKSTEP_GAP_URL = url.toString();
    const store = await openStateStore(null, { state: '${env:LOCKSTEP_GAP_URL}' }, { log: { info() {}, warn() {}, debug() {} }, write: true });
    const w = await store.journal.open({});
    for (const n of [1, 2, 3]) await w.append({ runId: 'r', actor: 'ops', type: 'run_start', detail: { n } });
    await w.close();
    await store.close();
    await gap.sql('ALTER TABLE lockstep.journal DISABLE TRIGGER USER');
    await gap.sql('DELETE FROM lockstep.journal WHERE seq = 2');
    await gap.sql('ALTER TABLE lockstep.journal ENABLE TRIGGER USER');
    const r = await apply(['--state', gap.url], genv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has a gap: it holds 2 rows but its seq runs to 3/);
    expect(untouched()).toBe(true);
    const v = await runCli(['audit', 'verify', '--state', gap.url], { cwd: world.cwd, env: genv });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/record seq 2 is missing/);
  });
});
