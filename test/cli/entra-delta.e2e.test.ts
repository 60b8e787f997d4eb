import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntraEmulator, type EntraEmulator } from '../../providers/entra/emulator/index.js';
import type { Snapshot } from '../../src/types/index.js';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { runCli, tempDir } from './run-cli.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('graph');

/** `lockstep observe` against Entra: full the first time, by delta queries after, in full again with --resync. */
describe('incremental observation of Entra through the CLI', () => {
  let emu: EntraEmulator;
  let cwd: string;

  beforeAll(async () => {
    const world = aWorld()
      .withProvider('aad', 'entra', { clientSecret: '${file:entra.secret}', caFile: 'ca.pem' })
      .withPerson({ employeeId: 'E1', email: 'user1@acme.com' });
    for (let i = 0; i < 30; i++) world.withAccount('aad', { id: `u${i}`, login: `user${i}@acme.com`, lastLoginAt: null });
    world.withGroup('aad', 'SG-Sales', ['user1@acme.com', 'user2@acme.com', 'user3@acme.com'], { id: 'g1' });
    emu = await startEntraEmulator({ seed: world.snapshot.providers.aad!, exchanges });
    world.withConnection('aad', { tenantId: emu.tenantId, clientId: emu.clientId, graphUrl: emu.url, authorityHost: emu.authorityHost });
    cwd = tempDir({ 'policies/ca.pem': emu.caPem, 'policies/entra.secret': `${emu.clientSecret}\n` });
    writePolicyFiles(join(cwd, 'policies'), world);
  });
  afterAll(() => emu?.close());

  const observe = async (...extra: string[]) => {
    emu.counters.reset();
    const r = await runCli(['observe', '--out', 'snap.json', ...extra], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const snap = JSON.parse(readFileSync(join(cwd, 'snap.json'), 'utf8')) as Snapshot;
    return { snap: snap.providers.aad!, counts: emu.counters.snapshot() };
  };

  it('reads everything once, then only what changed, and everything again on --resync', async () => {
    const full = await observe();
    expect(full.snap.accounts).toHaveLength(30);
    expect(full.counts['GET /users']).toBe(1);

    emu.mutate.setEnabled('u5', false);
    emu.mutate.removeMember('g1', 'u2');
    const delta = await observe();
    expect(delta.counts['GET /users'] ?? 0).toBe(0);
    expect(delta.counts['GET /users/delta']).toBeGreaterThanOrEqual(1);
    expect(delta.snap.accounts.find((a) => a.id === 'u5')?.status).toBe('suspended');
    expect(delta.snap.groups[0]!.members.sort()).toEqual(['u1', 'u3']);

    const again = await observe('--resync');
    expect(again.counts['GET /users']).toBe(1);
    expect(again.snap.accounts.find((a) => a.id === 'u5')?.status).toBe('suspended');
  });
});
