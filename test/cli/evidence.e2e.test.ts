import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLS } from '../../src/evidence/controls.js';
import { runCli } from './run-cli.js';
import { journalLines, scimWorld } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe("lockstep evidence: the auditor's package", { timeout: 120_000 }, () => {
  let world: Awaited<ReturnType<typeof scimWorld>>;
  const today = new Date().toISOString().slice(0, 10);
  const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    world = await scimWorld({ size: 12, leaving: 2, exchanges });
    const { cwd, env } = world;
    execFileSync('git', ['init', '-q'], { cwd });
    execFileSync('git', ['add', '.'], { cwd });
    execFileSync('git', ['-c', 'user.name=Dana Reyes', '-c', 'user.email=dana@acme.com', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'Sales access policy'], { cwd });
    expect((await runCli(['apply', '--auto-approve'], { cwd, env })).code).toBe(0);
    expect((await runCli(['observe', '--out', 'snap.json'], { cwd, env })).code).toBe(0);
  });
  afterAll(() => world?.emu.close());

  const read = (dir: string, f: string) => readFileSync(join(world.cwd, dir, f), 'utf8');

  it('writes the journal extract, its verification, terminations with revocation times, policy history, report and controls, all hashed', async () => {
    const r = await runCli(['evidence', '--from', lastWeek, '--to', today, '--out', 'evidence', '--snapshot', 'snap.json'], { cwd: world.cwd, env: world.env });
    expect(r.code, r.stderr).toBe(0);
    expect(read('evidence', 'README.md')).toMatch(/Journal chain verified/);
    // Byte for byte the journal's own lines: an auditor can re-check the chain.
    expect(read('evidence', 'journal-extract.jsonl')).toBe(
      journalLines(world.cwd)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const lines = journalLines(world.cwd);
    // The head kept apart from the records is in the package and matches the journal's last record.
    const checkpoint = JSON.parse(read('evidence', 'journal-checkpoint.json')) as { seq: number; lineHash: string };
    expect(checkpoint.seq).toBe(lines.length);
    expect(checkpoint.lineHash).toBe(
      createHash('sha256')
        .update(lines[lines.length - 1]!)
        .digest('hex'),
    );
    expect(JSON.parse(read('evidence', 'journal-verification.json'))).toMatchObject({ ok: true, checkpoint: { seq: lines.length } });
    const terminations = JSON.parse(read('evidence', 'terminations.json')) as {
      person: string;
      revocations: { provider: string; revokedAt: string; changes: string[] }[];
    }[];
    expect(terminations.map((t) => t.person).sort()).toEqual(world.leavers.slice().sort());
    for (const t of terminations) {
      expect(t.revocations).toHaveLength(1);
      expect(t.revocations[0]!.provider).toBe('app');
      expect(t.revocations[0]!.changes).toEqual(expect.arrayContaining(['suspend', 'remove_member Sales']));
    }
    const history = JSON.parse(read('evidence', 'policy-history.json')) as { author: string; subject: string }[];
    expect(history).toEqual([expect.objectContaining({ author: 'Dana Reyes <dana@acme.com>', subject: 'Sales access policy' })]);
    expect(JSON.parse(read('evidence', 'controls.json')).map((c: { control: string }) => c.control)).toEqual(CONTROLS.map((c) => c.control));
    expect(read('evidence', 'report.html')).toContain('<svg id="chart-mttr"');
    const manifest = JSON.parse(read('evidence', 'manifest.json')) as { files: Record<string, string> };
    expect(Object.keys(manifest.files).sort()).toEqual([
      'README.md',
      'attestations.json',
      'controls.json',
      'journal-checkpoint.json',
      'journal-extract.jsonl',
      'journal-verification.json',
      'policy-history.json',
      'report.html',
      'report.json',
      'report.md',
      'terminations.json',
    ]);
    for (const [f, hash] of Object.entries(manifest.files)) expect(createHash('sha256').update(read('evidence', f)).digest('hex'), f).toBe(hash);
  });

  it('catches a tampered journal: says so first, and exits 1', async () => {
    const file = join(world.cwd, '.lockstep', 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes('"result":"ok"'));
    lines[at] = lines[at]!.replace('"result":"ok"', '"result":"skipped"');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['evidence', '--from', lastWeek, '--to', today, '--out', 'tampered', '--snapshot', 'snap.json'], { cwd: world.cwd, env: world.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INTEGRITY FAILURE/);
    expect(read('tampered', 'README.md').split('\n')[2]).toMatch(/^INTEGRITY FAILURE: the journal does not verify/);
    expect(JSON.parse(read('tampered', 'journal-verification.json'))).toMatchObject({ ok: false, firstBad: { reason: 'edited' } });
  });
});
