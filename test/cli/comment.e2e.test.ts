import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentBodies, MAX_PARTS } from '../../src/cli/commands/comment.js';
import { COMMENT_MARKER, partOf } from '../../src/github/comment-parts.js';
import type { Plan } from '../../src/types/index.js';
import { anEffectiveDiff } from '../support/effective-diff.js';
import { startGitHubEmulator } from '../support/github-emulator.js';
import { runCli } from './run-cli.js';
import { scimWorld } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

const TOKEN = 'ghs_lockstepTestToken0123456789abcdef';

describe('lockstep comment', () => {
  let github: Awaited<ReturnType<typeof startGitHubEmulator>>;
  let cwd: string;
  let planFile: string;
  const emus: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    github = await startGitHubEmulator({ token: TOKEN, repository: 'acme/access', pullRequest: 42 });
    for (let i = 0; i < 250; i++) github.addOther(`review comment ${i}`);
    const world = await scimWorld({ size: 12, leaving: 2, exchanges });
    emus.push(world.emu);
    cwd = world.cwd;
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd, env: world.env })).code).toBe(0);
    planFile = join(cwd, 'plan.json');
    writeFileSync(join(cwd, 'diff.json'), JSON.stringify(anEffectiveDiff(3)));
    writeFileSync(join(cwd, 'event.json'), JSON.stringify({ action: 'synchronize', number: 42, pull_request: { number: 42 } }));
  });
  afterAll(async () => {
    await github.close();
    for (const e of emus) await e.close();
  });

  const env = () => ({ GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/access', GITHUB_EVENT_PATH: join(cwd, 'event.json'), GITHUB_API_URL: github.url });

  it('creates the comment once, then updates the same one, finding it across pages of other comments', async () => {
    const first = await runCli(['comment', '--diff', 'diff.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/created comment \d+ on acme\/access#42/);
    expect(github.counters.get('GET /repos/acme/access/issues/{n}/comments')).toBe(3);
    const mine = () => github.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.body).toContain('### Effective access: origin/main → HEAD');
    expect(mine()[0]!.body).toContain('Lockstep:');

    writeFileSync(join(cwd, 'diff.json'), JSON.stringify(anEffectiveDiff(5)));
    const second = await runCli(['comment', '--diff', 'diff.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/updated comment \d+/);
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.body).toContain('5 people gain 5 grants');
    expect(github.counters.get('PATCH /repos/acme/access/issues/comments/{id}')).toBe(1);
    expect(github.comments).toHaveLength(251);
  });

  it('splits a body over 65,536 characters into parts, updates each in place on the next run and deletes the parts no longer needed', async () => {
    const mine = () => github.comments.filter((c) => partOf(c.body) !== null);
    const others = github.comments.length - mine().length;
    // 1,800 people gaining access: a YAML patch of 9,000 lines, about three comments.
    writeFileSync(join(cwd, 'wide.json'), JSON.stringify(anEffectiveDiff(1_800)));
    const wide = await runCli(['comment', '--diff', 'wide.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(wide.code, wide.stderr).toBe(0);
    const parts = mine();
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.map((c) => partOf(c.body))).toEqual(parts.map((_, i) => i + 1));
    const n = parts.length;
    for (const [i, c] of parts.entries()) {
      expect(c.body.length).toBeLessThanOrEqual(65_536);
      expect(c.body.startsWith(COMMENT_MARKER)).toBe(true);
      expect(c.body).toContain(`## Lockstep (part ${i + 1} of ${n}`);
    }
    expect(wide.stderr).toMatch(/updated comment \d+ on acme\/access#42 \(part 1 of \d+/);
    expect(wide.stderr).toMatch(new RegExp(`created comment \\d+ on acme/access#42 \\(part ${n} of ${n}`));
    // Nothing is cut: every line of the patch is in exactly one part, and the plan follows the diff.
    const all = parts.map((c) => c.body).join('');
    expect(all.split('+ a line of YAML\n').length - 1).toBe(9_000);
    expect(all).not.toContain('too long for this comment');
    expect(parts.at(-1)!.body).toContain('Lockstep: Plan:');
    expect(parts.at(-1)!.body).toContain('<sub>Updated by lockstep');
    const ids = parts.map((c) => c.id);

    // The same body again: nothing to write.
    const patches = github.counters.get('PATCH /repos/acme/access/issues/comments/{id}') ?? 0;
    const again = await runCli(['comment', '--diff', 'wide.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/unchanged comment/);
    expect(github.counters.get('PATCH /repos/acme/access/issues/comments/{id}') ?? 0).toBe(patches);

    // A small diff: part 1 is updated in place, the other parts are deleted.
    writeFileSync(join(cwd, 'small.json'), JSON.stringify(anEffectiveDiff(2)));
    const small = await runCli(['comment', '--diff', 'small.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(small.code, small.stderr).toBe(0);
    expect(mine().map((c) => c.id)).toEqual([ids[0]]);
    expect(mine()[0]!.body).toContain('2 people gain 2 grants');
    expect(mine()[0]!.body).toContain('## Lockstep\n');
    expect(github.counters.get('DELETE /repos/acme/access/issues/comments/{id}')).toBe(n - 1);
    expect(small.stderr).toMatch(/deleted comment \d+ on acme\/access#42 \(part 2, no longer needed\)/);
    expect(github.comments.length - mine().length).toBe(others);
  });

  it('empties the parts no longer needed when the token may not delete them, and uses them again later', async () => {
    const mine = () => github.comments.filter((c) => partOf(c.body) !== null);
    const wide = await runCli(['comment', '--diff', 'wide.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(wide.code, wide.stderr).toBe(0);
    const ids = mine().map((c) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    github.allowDelete(false);
    try {
      const small = await runCli(['comment', '--diff', 'small.json', '--plan', 'plan.json'], { cwd, env: env() });
      expect(small.code, small.stderr).toBe(0);
      expect(small.stderr).toMatch(/emptied comment \d+ on acme\/access#42 \(part 2, no longer needed\)/);
      expect(mine().map((c) => c.id)).toEqual(ids);
      expect(mine()[0]!.body).toContain('2 people gain 2 grants');
      for (const c of mine().slice(1)) {
        expect(c.body).toContain("This part of Lockstep's comment is no longer needed: the comment now has one part.");
        expect(c.body).not.toContain('a line of YAML');
      }
      // Once the comment is long again the emptied parts are filled in place: no new comment.
      const again = await runCli(['comment', '--diff', 'wide.json', '--plan', 'plan.json'], { cwd, env: env() });
      expect(again.code, again.stderr).toBe(0);
      expect(mine().map((c) => c.id)).toEqual(ids);
      expect(again.stderr).not.toMatch(/created comment/);
    } finally {
      github.allowDelete(true);
    }
  });

  it('past ten comments, cuts rows instead, each cut saying where the rest is', async () => {
    const plan = (await import('node:fs')).readFileSync(planFile, 'utf8');
    const bodies = commentBodies(anEffectiveDiff(20_000), JSON.parse(plan) as Plan, 'the lockstep-plan artifact');
    // 100,000 lines of patch (1.7 MB) would take 26 comments: the patch gives way to a pointer.
    expect(bodies.length).toBeLessThanOrEqual(MAX_PARTS);
    for (const b of bodies) {
      expect(b.length).toBeLessThanOrEqual(65_536);
      expect(b.startsWith(COMMENT_MARKER)).toBe(true);
    }
    const all = bodies.join('');
    expect(all).toMatch(/more rows not shown \(\d+ privileged gains, \d+ other gains\): see the lockstep-plan artifact/);
    expect(all).toContain('is too long for this comment: see the lockstep-plan artifact');
    writeFileSync(join(cwd, 'big.json'), JSON.stringify(anEffectiveDiff(20_000)));
    const r = await runCli(['comment', '--diff', 'big.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(github.comments.filter((c) => partOf(c.body) !== null)).toHaveLength(bodies.length);
  });

  it('says exactly what is missing, and never prints the token', async () => {
    const missing = await runCli(['comment', '--plan', 'plan.json'], { cwd, env: { GITHUB_REPOSITORY: 'acme' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('GITHUB_TOKEN is not set');
    expect(missing.stderr).toContain('GITHUB_REPOSITORY must be owner/name');
    expect(missing.stderr).toContain('no pull request number');
    const bad = await runCli(['comment', '--plan', 'plan.json', '--pr', '42'], { cwd, env: { ...env(), GITHUB_TOKEN: 'ghs_wrongToken999' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('401 Bad credentials');
    expect(bad.stdout + bad.stderr).not.toContain('ghs_wrongToken999');
    const insecure = await runCli(['comment', '--plan', 'plan.json'], { cwd, env: { ...env(), GITHUB_API_URL: 'http://github.example.com/api/v3' } });
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toContain('plain http:// is accepted only for a loopback host');
    const dry = await runCli(['comment', '--plan', 'plan.json', '--dry-run'], { cwd, env: { GITHUB_TOKEN: TOKEN } });
    expect(dry.code).toBe(0);
    expect(dry.stdout.startsWith(COMMENT_MARKER)).toBe(true);
    expect(dry.stdout).not.toContain(TOKEN);
  });
});
