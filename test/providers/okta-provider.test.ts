import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@okta/okta-sdk-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { oktaModule } from '../../providers/okta/index.js';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../providers/okta/emulator/index.js';
import { ProviderError, UserError } from '../../src/errors.js';
import type { Provider } from '../../src/provider/provider.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { aChange, account, group } from './changes.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('okta');

const TOKEN = '00provider-test-token-abcdef123';

function seed(): ObservedProvider {
  return {
    type: 'okta',
    accounts: [
      {
        id: '00u1',
        login: 'alice@acme.com',
        emails: ['alice@acme.com', 'alice.home@example.com'],
        status: 'active',
        externalId: 'E100',
        displayName: 'Alice Smith',
        lastLoginAt: '2026-11-01T09:00:00.000Z',
      },
      { id: '00u2', login: 'bob@acme.com', emails: ['bob@acme.com'], status: 'active' },
      { id: '00u3', login: 'carol@acme.com', emails: ['carol@acme.com'], status: 'suspended' },
      { id: '00u4', login: 'dan@acme.com', emails: ['dan@acme.com'], status: 'deprovisioned' },
      { id: '00u5', login: 'erin@acme.com', emails: ['erin@acme.com'], status: 'active' },
      { id: '00u6', login: 'frank@acme.com', emails: ['frank@acme.com'], status: 'active' },
      { id: '00u7', login: 'grace@acme.com', emails: ['grace@acme.com'], status: 'active' },
    ],
    groups: [{ id: '00g1', name: 'Engineering', members: ['00u1', '00u3', '00u5'] }],
  };
}

/** Okta statuses beyond the three Lockstep knows, for the mapping and lifecycle tests. */
const STATUSES: OktaEmulatorOptions['statuses'] = { '00u5': 'STAGED', '00u6': 'LOCKED_OUT', '00u7': 'PASSWORD_EXPIRED' };

describe('okta provider', () => {
  let emu: OktaEmulator;
  let provider: Provider;
  const cleanups: (() => void)[] = [];
  const start = async (options: OktaEmulatorOptions = {}, connection: Record<string, unknown> = {}, env: Record<string, string> = { OKTA_TOKEN: TOKEN }) => {
    emu = await startOktaEmulator({ seed: seed(), statuses: STATUSES, token: TOKEN, exchanges, ...options });
    provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}', ...connection }, providerContext('okta-main', env));
  };
  const statusIn = (id: string) => emu.store.users.get(id)?.status;
  const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ProviderError);
    return e as ProviderError;
  };

  afterEach(async () => {
    await provider?.close();
    await emu?.close();
    for (const c of cleanups.splice(0)) c();
  });

  it('maps every Okta status, deactivated users included, and reads login, emails, externalId and lastLogin', async () => {
    await start();
    const observed = await provider.observe();
    const byId = new Map(observed.accounts.map((a) => [a.id, a]));
    expect([...byId.keys()].sort()).toEqual(['00u1', '00u2', '00u3', '00u4', '00u5', '00u6', '00u7']);
    expect(byId.get('00u3')?.status).toBe('suspended');
    expect(byId.get('00u4')?.status).toBe('deprovisioned');
    for (const id of ['00u5', '00u6', '00u7']) expect(byId.get(id)?.status, id).toBe('active');
    expect(byId.get('00u1')).toMatchObject({
      login: 'alice@acme.com',
      emails: ['alice@acme.com', 'alice.home@example.com'],
      externalId: 'E100',
      displayName: 'Alice Smith',
      lastLoginAt: '2026-11-01T09:00:00.000Z',
    });
    expect(observed.groups).toEqual([{ id: '00g1', name: 'Engineering', members: ['00u1', '00u3', '00u5'] }]);
    // One listing for users, one for groups, one per group for members: nothing per user.
    expect(emu.counters.snapshot()).toEqual({ 'GET /api/v1/users': 1, 'GET /api/v1/groups': 1, 'GET /api/v1/groups/{id}/users': 1 });
  });

  it('deactivates a STAGED user it is asked to suspend, since Okta suspends only ACTIVE users', async () => {
    await start();
    const outcome = await provider.apply(aChange('okta-main', 'suspend', { account: account('00u5') }));
    expect(outcome).toMatchObject({ result: 'ok', after: { status: 'DEPROVISIONED' } });
    expect(statusIn('00u5')).toBe('DEPROVISIONED');
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u5') }))).result).toBe('already');
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u4') }))).result).toBe('already');
  });

  it('after reading accounts for a re-check, suspends and removes without reading the user again; a change made meanwhile is still seen', async () => {
    await start();
    const observed = await provider.observeAccounts!(['00u1', '00u2', '00u5']);
    expect(observed.groups).toEqual([{ id: '00g1', name: 'Engineering', members: ['00u1', '00u5'] }]);
    emu.counters.reset();
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u1') }))).result).toBe('ok');
    expect((await provider.apply(aChange('okta-main', 'remove_member', { account: account('00u1'), group: group('00g1') }))).result).toBe('ok');
    expect((await provider.apply(aChange('okta-main', 'remove_member', { account: account('00u1'), group: group('00g1') }))).result).toBe('already');
    expect(emu.counters.get('GET /api/v1/users/{id}')).toBe(0);
    expect(emu.counters.get('GET /api/v1/users/{id}/groups')).toBe(0);
    expect(statusIn('00u1')).toBe('SUSPENDED');
    expect(emu.observed().groups[0]!.members).toEqual(['00u3', '00u5']);
    // Someone else suspends bob after the read: Okta refuses the stale decision (400),
    // the user is read again, and the change is already done.
    emu.store.users.get('00u2')!.status = 'SUSPENDED';
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') }))).result).toBe('already');
    expect(emu.counters.get('GET /api/v1/users/{id}')).toBe(1);
  });

  it('deletes a suspended user by deactivating then deleting it, and refuses a locked-out one', async () => {
    await start();
    expect((await provider.apply(aChange('okta-main', 'delete', { account: account('00u3') }))).result).toBe('ok');
    expect(emu.store.users.has('00u3')).toBe(false);
    expect(emu.store.group('00g1').members.has('00u3')).toBe(false);
    expect((await provider.apply(aChange('okta-main', 'delete', { account: account('00u3') }))).result).toBe('already');
    expect((await provider.apply(aChange('okta-main', 'delete', { account: account('00u4') }))).result).toBe('ok');
    expect(emu.store.users.has('00u4')).toBe(false);
    const e = await failure(provider.apply(aChange('okta-main', 'delete', { account: account('00u6') })));
    expect(e.transient).toBe(false);
    expect(statusIn('00u6')).toBe('LOCKED_OUT');
  });

  it('revokes sessions, tokens and factors, each already done the second time where Okta shows it', async () => {
    await start();
    const alice = { account: account('00u1') };
    expect((await provider.apply(aChange('okta-main', 'revoke_sessions', alice))).result).toBe('ok');
    expect(emu.store.creds('00u1')).toMatchObject({ sessions: 0, rememberedDevices: 0 });
    expect(emu.store.creds('00u1').refreshTokens.size).toBe(0);
    expect((await provider.apply(aChange('okta-main', 'revoke_tokens', alice))).result).toBe('ok');
    expect(emu.credentials('00u1').tokens).toBe(0);
    expect((await provider.apply(aChange('okta-main', 'revoke_tokens', alice))).result).toBe('already');
    expect((await provider.apply(aChange('okta-main', 'reset_factors', alice))).result).toBe('ok');
    expect(emu.credentials('00u1').factors).toBe(0);
    expect((await provider.apply(aChange('okta-main', 'reset_factors', alice))).result).toBe('already');
    const missing = { account: account('00u999') };
    for (const action of ['revoke_sessions', 'revoke_tokens', 'reset_factors', 'suspend', 'delete', 'remove_member'] as const) {
      const target = action === 'remove_member' ? { ...missing, group: group('00g1') } : missing;
      expect((await provider.apply(aChange('okta-main', action, target))).result, action).toBe('already');
    }
  });

  it('refuses an http:// org URL for any host but loopback', async () => {
    const create = (orgUrl: string) => oktaModule.create({ type: 'okta', orgUrl, token: '${env:OKTA_TOKEN}' }, providerContext('okta-main', { OKTA_TOKEN: TOKEN }));
    expect(() => create('http://acme.okta.com')).toThrow(UserError);
    expect(() => create('http://acme.okta.com')).toThrow(/http:\/\/.*loopback/);
    expect(() => create('http://10.0.0.5:8080')).toThrow(UserError);
    for (const ok of ['https://acme.okta.com', 'http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9']) expect(() => create(ok), ok).not.toThrow();
  });

  it('asks only for okta.users.read and okta.groups.read in a run that only observes, so a read-only service app can plan', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'okta-key-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'key.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    emu = await startOktaEmulator({
      seed: seed(),
      statuses: STATUSES,
      exchanges,
      apps: [{ clientId: '0oaReader', publicKey, scopes: ['okta.users.read', 'okta.groups.read'] }],
    });
    // The client id by reference: pull requests get the read-only app's, the reconciler another.
    const connection = { type: 'okta' as const, orgUrl: emu.url, clientId: '${env:OKTA_CLIENT_ID}', privateKey: `\${file:${join(dir, 'key.pem')}}` };
    const reader = oktaModule.create(connection, { ...providerContext('okta-main', { OKTA_CLIENT_ID: '0oaReader' }), access: 'read' });
    expect((await reader.observe()).accounts).toHaveLength(7);
    await reader.close();
    // The same app cannot be used to apply: the manage scopes are refused at the token endpoint.
    provider = oktaModule.create(connection, { ...providerContext('okta-main', { OKTA_CLIENT_ID: '0oaReader' }), access: 'write' });
    const e = await failure(provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') })));
    expect(e.message).toMatch(/invalid_scope|scope/);
    expect(statusIn('00u2')).toBe('ACTIVE');
  });

  it('authenticates with a private key JWT through /oauth2/v1/token and calls the API with the access token', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'okta-key-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'key.pem'), pem, { mode: 0o600 });
    await start(
      { token: undefined, apps: [{ clientId: '0oaLockstep', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() }] },
      { token: undefined, clientId: '0oaLockstep', privateKey: `\${file:${join(dir, 'key.pem')}}` },
    );
    const observed = await provider.observe();
    expect(observed.accounts).toHaveLength(7);
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') }))).result).toBe('ok');
    expect(statusIn('00u2')).toBe('SUSPENDED');
    // One token for the whole run, reused while valid.
    expect(emu.counters.get('POST /oauth2/v1/token')).toBe(1);
    expect(JSON.stringify(observed)).not.toContain('PRIVATE KEY');

    // A key the org does not know is refused, and neither key nor token shows in the error.
    emu.oauth.revokeAll();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'stranger.pem'), stranger);
    const other = oktaModule.create(
      { type: 'okta', orgUrl: emu.url, clientId: '0oaLockstep', privateKey: `\${file:${join(dir, 'stranger.pem')}}` },
      providerContext('okta-main', {}),
    );
    const e = await failure(other.observe());
    expect(e).toMatchObject({ status: 401, transient: false });
    expect(e.message).toContain('/oauth2/v1/token');
    expect(e.message).toContain('invalid_client');
    for (const secret of [stranger, pem, ...stranger.split('\n').filter((l) => l.length > 20)]) expect(e.message).not.toContain(secret);
  });

  it('takes nothing from OKTA_CLIENT_* variables or okta.yaml files', async () => {
    const home = mkdtempSync(join(tmpdir(), 'okta-home-'));
    const cwd = mkdtempSync(join(tmpdir(), 'okta-cwd-'));
    mkdirSync(join(home, '.okta'));
    const yaml = (token: string) =>
      `okta:\n  client:\n    orgUrl: "http://127.0.0.1:1"\n    token: "${token}"\n    authorizationMode: "SSWS"\n    scopes: "okta.apps.manage"\n    keyId: "stray-kid"\n`;
    writeFileSync(join(home, '.okta', 'okta.yaml'), yaml('00from-home-yaml'));
    writeFileSync(join(cwd, 'okta.yaml'), yaml('00from-cwd-yaml'));
    const saved = { ...process.env };
    const savedCwd = process.cwd();
    Object.assign(process.env, {
      HOME: home,
      OKTA_CLIENT_TOKEN: '00from-environment',
      OKTA_CLIENT_ORGURL: 'http://127.0.0.1:1',
      OKTA_CLIENT_AUTHORIZATIONMODE: 'SSWS',
      OKTA_CLIENT_SCOPES: 'okta.apps.manage',
      OKTA_CLIENT_KEYID: 'stray-kid',
    });
    process.chdir(cwd);
    cleanups.push(() => {
      process.chdir(savedCwd);
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      rmSync(home, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    });
    // The environment is live: the SDK left to itself picks it up.
    const stray = new Client({ cacheMiddleware: null }) as unknown as { apiToken: string; baseUrl: string };
    expect(stray).toMatchObject({ apiToken: '00from-environment', baseUrl: 'http://127.0.0.1:1' });

    // Config says token: Config's org URL and token are used, not the environment's.
    await start();
    expect((await provider.observe()).accounts).toHaveLength(7);

    // Config says privateKey: no SSWS token is sent, and the Config scopes (default) are asked for.
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await emu.close();
    emu = await startOktaEmulator({
      seed: seed(),
      exchanges,
      apps: [{ clientId: '0oaLockstep', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    });
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    provider = oktaModule.create(
      { type: 'okta', orgUrl: emu.url, clientId: '0oaLockstep', privateKey: '${env:OKTA_KEY}' },
      providerContext('okta-main', { OKTA_KEY: pem }),
    );
    expect((await provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') }))).result).toBe('ok');
    expect(emu.counters.get('POST /oauth2/v1/token')).toBe(1);
  });

  it('paces requests under a small rate limit: no 429, and not much slower than the limit allows', async () => {
    const many: ObservedProvider = {
      type: 'okta',
      accounts: Array.from({ length: 40 }, (_, i) => ({ id: `00u${100 + i}`, login: `u${i}@acme.com`, emails: [`u${i}@acme.com`], status: 'active' as const })),
      groups: Array.from({ length: 6 }, (_, i) => ({ id: `00g${i}`, name: `G${i}`, members: [`00u${100 + i}`, `00u${110 + i}`] })),
    };
    emu = await startOktaEmulator({ seed: many, token: TOKEN, exchanges, rateLimit: { limit: 10, windowMs: 1000 } });
    provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}', pageSize: 3 }, providerContext('okta-main', { OKTA_TOKEN: TOKEN }));

    let t0 = Date.now();
    const observed = await provider.observe();
    const observeMs = Date.now() - t0;
    expect(observed.accounts).toHaveLength(40);
    const userPages = emu.counters.get('GET /api/v1/users');
    expect(userPages).toBe(14);
    // 14 requests in one bucket at 10 per second need at most two windows.
    expect(observeMs).toBeLessThan(2 * 1000 + 700);

    t0 = Date.now();
    const outcomes = await Promise.all(many.accounts.slice(0, 15).map((a) => provider.apply(aChange('okta-main', 'suspend', { account: account(a.id) }))));
    const applyMs = Date.now() - t0;
    expect(outcomes.map((o) => o.result)).toEqual(Array(15).fill('ok'));
    // 30 requests (read, then suspend) in one bucket: at most four windows.
    expect(applyMs).toBeLessThan(4 * 1000 + 700);
    expect(emu.limits.rejected).toBe(0);
    expect(emu.store.users.get('00u114')?.status).toBe('SUSPENDED');
  });

  it('reports a 429 caused by someone else as transient with the wait until X-Rate-Limit-Reset', async () => {
    await start({ rateLimit: { limit: 2, windowMs: 60_000 } });
    for (let i = 0; i < 2; i++) await fetch(`${emu.url}/api/v1/users/00u2`, { headers: { Authorization: `SSWS ${TOKEN}` } });
    const e = await failure(provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') })));
    expect(e).toMatchObject({ status: 429, transient: true });
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.retryAfterMs).toBeLessThanOrEqual(61_000);
    expect(e.message).toContain('E0000047');
    expect(statusIn('00u2')).toBe('ACTIVE');
  });

  it('keeps the token out of errors, observed data and log lines', async () => {
    const lines: string[] = [];
    const ctx = providerContext('okta-main', { OKTA_TOKEN: TOKEN });
    const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: (m: string) => lines.push(m) };
    emu = await startOktaEmulator({ seed: seed(), token: 'a-different-token', exchanges });
    provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}' }, { ...ctx, log });
    const e = await failure(provider.observe());
    expect(e).toMatchObject({ status: 401, transient: false });
    expect(e.message).toContain('E0000011');
    const applied = await failure(provider.apply(aChange('okta-main', 'suspend', { account: account('00u2') })));
    const closed = await emu.close().then(() => failure(provider.observe()));
    expect(closed.transient).toBe(true);
    for (const err of [e, applied, closed]) {
      expect(err.message).not.toContain(TOKEN);
      expect(JSON.stringify({ ...err, stack: err.stack, cause: String(err.cause ?? '') })).not.toContain(TOKEN);
    }
    expect(lines.join('\n')).not.toContain(TOKEN);
    emu = await startOktaEmulator({ seed: seed(), token: TOKEN, exchanges });
    provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}' }, { ...ctx, log });
    expect(JSON.stringify(await provider.observe())).not.toContain(TOKEN);
  });

  it('refuses transfer_ownership and task changes without calling Okta: tasks go to the task desk', async () => {
    await start();
    const e = await failure(provider.apply(aChange('okta-main', 'transfer_ownership', { account: account('00u1') }, { transferTo: 'bob@acme.com' })));
    expect(e.transient).toBe(false);
    expect(e.message).toContain('transfer_ownership');
    const task = aChange(
      'okta-main',
      'task',
      { account: account('00u1', 'alice@acme.com') },
      { task: { action: 'transfer_ownership', owner: 'owner@acme.com', instructions: "Move Alice's Okta workflows to Bob" } },
    );
    const refused = await failure(provider.apply(task));
    expect(refused.transient).toBe(false);
    expect(refused.message).toContain('manual task: the task desk hands it out');
    expect(emu.counters.total()).toBe(0);
  });
});
