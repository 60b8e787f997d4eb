import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentBody } from '../../src/cli/commands/comment.js';
import { COMMENT_MARKER } from '../../src/github/comment.js';
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

  it('fits a very large diff and plan under GitHub’s 65,536 characters, pointing at the artifact', async () => {
    const plan = (await import('node:fs')).readFileSync(planFile, 'utf8');
    const body = commentBody(anEffectiveDiff(5_000), JSON.parse(plan) as Plan, 'the lockstep-plan artifact');
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('more rows: see the lockstep-plan artifact');
    expect(body).toContain('is too long for this comment: see the lockstep-plan artifact');
    writeFileSync(join(cwd, 'big.json'), JSON.stringify(anEffectiveDiff(5_000)));
    const r = await runCli(['comment', '--diff', 'big.json', '--plan', 'plan.json'], { cwd, env: env() });
    expect(r.code, r.stderr).toBe(0);
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
    const dry = await runCli(['comment', '--plan', 'plan.json', '--dry-run'], { cwd, env: {} });
    expect(dry.code).toBe(0);
    expect(dry.stdout.startsWith(COMMENT_MARKER)).toBe(true);
  });
});
