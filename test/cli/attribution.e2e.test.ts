import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/types/index.js';
import { runCli } from './run-cli.js';
import { journalLines, scimWorld } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-01T10:00:00Z', GIT_COMMITTER_DATE: '2026-11-01T10:00:00Z' },
  }).trim();

// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe('attribution: every change names the commit behind its policy line', { timeout: 120_000 }, () => {
  const worlds: { emu: { close(): Promise<void> } }[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.emu.close();
  });

  it('blames each cited line once; the plan and the journal carry commit, author and date', async () => {
    const world = await scimWorld({ size: 12, leaving: 2, exchanges });
    worlds.push(world);
    const { cwd, env } = world;
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, '-c', 'user.name=Dana Reyes', '-c', 'user.email=dana@acme.com', 'commit', '-qm', 'Leaver policy');
    const sha = git(cwd, 'rev-parse', 'HEAD');
    const planned = await runCli(['plan', '--format', 'json', '--out', 'plan.json'], { cwd, env });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as Plan;
    const lifecycle = plan.changes.filter((c) => c.reason.kind === 'lifecycle');
    expect(lifecycle.length).toBeGreaterThan(0);
    for (const c of lifecycle) {
      expect(c.reason.source).toMatch(/^policies\/lifecycle\.yaml:\d+$/);
      expect(c.reason.commit).toEqual({ sha, author: 'Dana Reyes <dana@acme.com>', date: '2026-11-01T10:00:00.000Z' });
    }
    expect((await runCli(['apply', 'plan.json'], { cwd, env })).code).toBe(0);
    const changes = journalLines(cwd)
      .map((l) => JSON.parse(l) as { type: string; reason?: { commit?: unknown } })
      .filter((r) => r.type === 'change');
    expect(changes.length).toBe(plan.changes.length);
    for (const r of changes) expect(r.reason?.commit).toEqual(expect.objectContaining({ sha, author: 'Dana Reyes <dana@acme.com>' }));

    // A line edited but not committed has no commit behind it yet.
    world.policy.withRule('leaver', { trigger: 'terminated', stages: [{ after: '0h', actions: ['suspend', 'remove_all_groups'] }] });
    world.writePolicy();
    const edited = JSON.parse((await runCli(['plan', '--format', 'json'], { cwd, env })).stdout) as Plan;
    expect(edited.changes.filter((c) => c.reason.kind === 'lifecycle').every((c) => c.reason.commit === null)).toBe(true);
  });

  it('outside Git a plan has no attribution, and is made all the same', async () => {
    const world = await scimWorld({ size: 4, leaving: 1, exchanges });
    worlds.push(world);
    const r = await runCli(['plan', '--format', 'json'], { cwd: world.cwd, env: world.env });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Plan).changes.every((c) => c.reason.commit === null)).toBe(true);
  });
});
