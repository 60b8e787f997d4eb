import { describe, expect, it } from 'vitest';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { join } from 'node:path';
import { runCli, tempDir } from './run-cli.js';

describe('bad duration flags are the user’s error, exit 1, before anything is read', () => {
  for (const args of [
    ['apply', 'plan.json', '--max-age', '1x'],
    ['review', 'start', '--role', 'sales', '--due', '1x'],
    ['controller', '--once', '--interval', '1x'],
  ]) {
    const flag = args.find((a) => a.startsWith('--') && a !== '--role' && a !== '--once')!;
    it(`${args[0]} ${flag} 1x`, async () => {
      const r = await runCli(args, { cwd: tempDir() });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${flag} 1x: expected a number and a unit (s, m, h, d, w), e.g. 24h or 7d`);
      expect(r.stderr).not.toContain('internal error');
    });
  }
});

describe('counts in output', () => {
  it('validate says "1 provider", "1 person"', async () => {
    const cwd = tempDir();
    writePolicyFiles(
      join(cwd, 'policies'),
      aWorld().withProvider('okta', 'okta', { orgUrl: 'https://acme.okta.com', token: '${env:OKTA_TOKEN}' }).withPerson({ email: 'ann@acme.com' }),
    );
    const r = await runCli(['validate', '--offline'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 role profiles, 0 assignments, 0 lifecycle rules, 0 exceptions, 0 approvals, 1 provider, 1 person.');
  });
});
