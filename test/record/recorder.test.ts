import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import { silentLogger } from '../../src/cli/output.js';
import { redactor } from '../../src/policy/secrets.js';
import { Recorder } from '../../src/record/recorder.js';
import { readRecordings } from '../../src/record/recording.js';
import { replayProblems, replayRun } from '../../src/record/replay.js';
import { closeProviders, createProviders } from '../../src/run/connect.js';
import type { ProviderState } from '../../src/provider/provider.js';
import { aWorld } from '../plan/world.js';
import { aChange, account } from '../providers/changes.js';

/**
 * The recorder and the replay without the CLI: an Okta service app signing in with a
 * private key JWT (a token request through the SDK's executor), observed and changed,
 * recorded and replayed with a fresh stand-in key; what a recording must not keep.
 */
const seed = () =>
  aWorld('2026-11-02T00:00:00Z')
    .withProvider('okta', 'okta')
    .withAccount('okta', { id: '00u1', login: 'ann@acme.com', externalId: null, lastLoginAt: null })
    .withAccount('okta', { id: '00u2', login: 'ben@acme.com', externalId: null, lastLoginAt: null })
    .withGroup('okta', 'Staff', ['ann@acme.com', 'ben@acme.com'], { id: '00g1' }).snapshot.providers.okta!;

const memory = (): ProviderState => {
  const docs = new Map<string, string>();
  return { documents: { get: async (k) => docs.get(k), put: async (k, v) => void docs.set(k, v) } };
};

describe('recording and replaying a provider', () => {
  let emu: OktaEmulator | undefined;
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'lockstep-record-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await emu?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('replays a private-key-JWT Okta run with a stand-in key, and keeps neither key, assertion nor token', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    emu = await startOktaEmulator({ seed: seed(), apps: [{ clientId: '0oaLockstep', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() }] });
    const dir = temp();
    writeFileSync(join(dir, 'key.pem'), pem, { mode: 0o600 });
    const recorder = new Recorder(join(dir, 'rec'), 'apply', 'test', () => new Date('2026-11-02T01:02:03.456Z'));
    const connection = { type: 'okta', orgUrl: emu.url, clientId: '0oaLockstep', privateKey: `\${file:${join(dir, 'key.pem')}}` };
    const state = memory();
    const providers = createProviders({ okta: connection }, { policyDir: dir, store: { forProvider: () => state }, log: silentLogger, wire: recorder, access: 'write' });
    const okta = providers.get('okta')!;
    await okta.observe();
    expect((await okta.apply(aChange('okta', 'suspend', { account: account('00u2') }))).result).toBe('ok');
    expect((await okta.apply(aChange('okta', 'suspend', { account: account('00u2') }))).result).toBe('already');
    await closeProviders(providers);
    const written = recorder.write()!;
    expect(written).toBe(join(dir, 'rec', '2026-11-02T01-02-03Z-apply'));

    const text = readFileSync(join(written, 'okta.json'), 'utf8');
    for (const line of pem.split('\n').filter((l) => l.length > 40)) expect(text).not.toContain(line);
    expect(text).not.toContain(emu.url);
    const [run] = readRecordings(join(dir, 'rec'));
    const rec = run!.providers[0]!;
    const token = rec.exchanges.find((x) => x.url.endsWith('/oauth2/v1/token'))!;
    expect(token.requestBody).toMatch(/client_assertion=%5Bredacted%5D/);
    expect(token.responseBody).toMatchObject({ access_token: '[redacted]' });
    expect(rec.connection).toEqual({ type: 'okta', orgUrl: 'https://okta.recorded.invalid', clientId: '0oaLockstep', privateKey: '[secret reference]' });
    expect(rec.calls.map((c) => c.call)).toEqual(['observe', 'apply', 'apply']);

    await emu.close();
    emu = undefined;
    const replay = await replayRun(run!, silentLogger);
    expect(replayProblems(replay)).toEqual([]);
    expect(replay.providers[0]!.calls.map((c) => c.same)).toEqual([true, true, true]);
    expect(replay.providers[0]!.unused).toBe(0);
  });

  it('replaces every secret the run resolved wherever it shows, and renames hosts named only in a body', async () => {
    const token = 'ssws-token-that-an-error-echoes-4b1d';
    emu = await startOktaEmulator({ seed: seed(), token });
    const dir = temp();
    writeFileSync(join(dir, 'okta.token'), token, { mode: 0o600 });
    const recorder = new Recorder(join(dir, 'rec'), 'observe', 'test');
    const state = memory();
    await state.documents.put('cursor', 'https://acme-admin.okta.example:8443/api/v1/users?after=00u1');
    // What SecretResolver does with every secret a run resolves.
    redactor.add(token);
    const wired = recorder.wire('okta', { type: 'okta', orgUrl: emu.url, token: '${file:okta.token}' }, { state, managedGroups: new Set(['Staff']), access: 'read' });
    // A service that echoes the credential back in an answer.
    await wired.tap.exchange({ method: 'GET', url: `${emu.url}/api/v1/users/me`, headers: { authorization: `SSWS ${token}` }, body: undefined }, async () => ({
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'SSWS', 'set-cookie': 'sid=abc' },
      body: JSON.stringify({ errorCode: 'E0000011', errorSummary: `Invalid token provided: ${token}`, errorLink: `${emu!.url}/docs` }),
    }));
    await wired.state.documents.get('cursor');
    const text = readFileSync(join(recorder.write()!, 'okta.json'), 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain('Invalid token provided: [REDACTED]');
    expect(text).not.toMatch(/set-cookie|authorization|sid=abc/i);
    // What a client needs to answer a challenge is kept.
    expect(text).toContain('"www-authenticate": "SSWS"');
    expect(text).not.toContain('acme-admin.okta.example');
    const rec = JSON.parse(text) as { origins: string[]; state: Record<string, string>; managedGroups: string[] };
    expect(rec.origins).toEqual(['https://okta.recorded.invalid', 'https://okta-2.recorded.invalid']);
    expect(rec.state['cursor']).toBe('https://okta-2.recorded.invalid/api/v1/users?after=00u1');
    expect(rec.managedGroups).toEqual(['Staff']);
  });
});
