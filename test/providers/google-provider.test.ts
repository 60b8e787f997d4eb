import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../../src/apply/retry.js';
import { ProviderError, UserError } from '../../src/errors.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { googleModule } from '../../providers/google/index.js';
import { SCOPE } from '../../providers/google/scopes.js';
import { aChange, account, group } from './changes.js';
import { contractSeed } from './contract.js';
import { aGoogleWorld, aServiceAccount, keyFile, type GoogleWorld } from './google-fixture.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('google');

const alice = account('u1', 'alice@acme.com');
const bob = account('u2', 'bob@acme.com');
const TRANSFERS = '/admin/datatransfer/v1/transfers';

let world: GoogleWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = async (...args: Partial<Parameters<typeof aGoogleWorld>>) => {
  world = await aGoogleWorld(args[0] ?? { seed: contractSeed('google') }, { exchanges, ...args[1] }, args[2] ?? {});
  return world;
};
const apply = (w: GoogleWorld, action: Parameters<typeof aChange>[1], target: Parameters<typeof aChange>[2], extra = {}) =>
  w.provider.apply(aChange('gws', action, target, extra));
const rejection = async (p: Promise<unknown>): Promise<ProviderError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
};
const statusOf = (o: ObservedProvider, id: string) => o.accounts.find((a) => a.id === id)?.status;

/** Every form a secret could leak in: the message, the serialised error, its inspection with causes. */
function expectNoSecret(w: GoogleWorld, texts: string[]): void {
  const secrets = [...w.account.privateKeyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')), ...w.emulator.accessTokens()];
  expect(secrets.length).toBeGreaterThan(3);
  for (const text of texts) for (const s of secrets) expect(text).not.toContain(s);
}
const renderings = (e: unknown): string[] => [String((e as Error).message), JSON.stringify(e), inspect(e, { depth: 10 })];

describe('google provider: authentication', () => {
  it('signs in through the token endpoint and uses the access token it issues', async () => {
    const w = await start();
    expect(w.emulator.accessTokens()).toHaveLength(0);
    const observed = await w.provider.observe();
    expect(observed.accounts).toHaveLength(7);
    expect(w.emulator.counters.get('POST /token')).toBe(1);
    expect(w.emulator.accessTokens()).toHaveLength(1);
    expectNoSecret(w, [JSON.stringify(observed)]);
  });

  it('is refused with a key the service account does not have, and changes nothing', async () => {
    const w = await start();
    const stranger = aServiceAccount(w.account.clientEmail);
    const provider = googleModule.create({ ...w.connection }, providerContext('gws', { GOOGLE_KEY: keyFile(stranger, w.emulator.tokenUrl) }));
    const e = await rejection(provider.apply(aChange('gws', 'suspend', { account: bob })));
    expect(e).toMatchObject({ transient: false, status: 400 });
    expect(e.message).toContain('invalid_grant');
    expect(e.message).toContain('Invalid JWT Signature');
    expect(statusOf(w.emulator.observed(), 'u2')).toBe('active');
    expect(w.emulator.accessTokens()).toHaveLength(0);
    for (const text of renderings(e))
      for (const line of stranger.privateKeyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-'))) expect(text).not.toContain(line);
  });

  it('is refused when the delegation lacks a scope it asks for', async () => {
    const account = aServiceAccount();
    const w = await start(undefined, { serviceAccounts: [{ clientEmail: account.clientEmail, publicKey: account.publicKey, scopes: [SCOPE.user, SCOPE.userSecurity] }] });
    const provider = googleModule.create({ ...w.connection }, providerContext('gws', { GOOGLE_KEY: keyFile(account, w.emulator.tokenUrl) }));
    const e = await rejection(provider.observe());
    expect(e).toMatchObject({ transient: false, status: 401 });
    expect(e.message).toContain('unauthorized_client');
  });

  it('is refused when impersonating someone who is not the admin', async () => {
    const w = await start(undefined, {}, { subject: 'bob@acme.com' });
    const e = await rejection(w.provider.observe());
    expect(e).toMatchObject({ transient: false, status: 400 });
    expect(e.message).toContain('Invalid email or User ID');
  });

  it('an access token the service no longer accepts fails as 401, without the token in any output', async () => {
    const w = await start();
    await w.provider.observe();
    const [token] = w.emulator.accessTokens();
    w.emulator.revokeAccessTokens();
    const e = await rejection(apply(w, 'suspend', { account: bob }));
    expect(e).toMatchObject({ transient: false, status: 401 });
    expect(e.message).toContain('authError');
    for (const text of renderings(e)) expect(text).not.toContain(token);
    expect(statusOf(w.emulator.observed(), 'u2')).toBe('active');
  });

  it('refuses plain http to a host other than loopback, for the API and the token endpoint', async () => {
    const w = await start();
    const ctx = providerContext('gws', { GOOGLE_KEY: w.keyJson });
    expect(() => googleModule.create({ ...w.connection, rootUrl: 'http://admin.example.com/' }, ctx)).toThrow(UserError);
    expect(() => googleModule.create({ ...w.connection, rootUrl: 'http://admin.example.com/' }, ctx)).toThrow(/loopback/);
    const remoteToken = keyFile(w.account, 'http://oauth.example.com/token');
    expect(() => googleModule.create({ ...w.connection }, providerContext('gws', { GOOGLE_KEY: remoteToken }))).toThrow(/token_uri.*loopback/);
    expect(() => googleModule.create({ ...w.connection, rootUrl: 'https://admin.googleapis.com/' }, ctx)).not.toThrow();
    expect(() => googleModule.create({ ...w.connection, rootUrl: 'http://localhost:8080/' }, ctx)).not.toThrow();
  });

  it('refuses a credential that is not a service account key, without echoing it', async () => {
    const w = await start();
    const notAKey = 'this-is-not-json-but-a-secret-value-123';
    const create = () => googleModule.create({ ...w.connection }, providerContext('gws', { GOOGLE_KEY: notAKey }));
    expect(create).toThrow(UserError);
    try {
      create();
    } catch (e) {
      expect((e as Error).message).not.toContain(notAKey);
    }
  });
});

describe('google provider: transfer and delete', () => {
  it('refuses to delete a suspended user without a completed transfer, then transfers and deletes', async () => {
    const w = await start(undefined, { transferPolls: 3 });
    expect((await apply(w, 'suspend', { account: alice })).result).toBe('ok');
    const refused = await rejection(apply(w, 'delete', { account: alice }));
    expect(refused.transient).toBe(false);
    expect(refused.message).toContain('no completed transfer');
    expect(w.emulator.observed().accounts.map((a) => a.id)).toContain('u1');

    expect((await apply(w, 'transfer_ownership', { account: alice }, { transferTo: 'bob@acme.com' })).result).toBe('ok');
    expect(w.emulator.transfers()).toContainEqual({ from: 'u1', to: 'u2' });
    expect(w.emulator.counters.get(`GET ${TRANSFERS}/{dataTransferId}`)).toBe(3);
    expect((await apply(w, 'delete', { account: alice })).result).toBe('ok');
    expect(w.emulator.observed().accounts.map((a) => a.id)).not.toContain('u1');
  });

  it('a rerun reuses the transfer: completed is already done, in progress is waited for, never inserted twice', async () => {
    const w = await start(undefined, { transferPolls: 50 }, { transferWaitMs: 40 });
    const change = aChange('gws', 'transfer_ownership', { account: alice }, { transferTo: 'bob@acme.com' });
    const e = await rejection(w.provider.apply(change));
    expect(e.transient).toBe(true);
    expect(e.message).toContain('still');
    expect(w.emulator.transfers()).not.toContainEqual({ from: 'u1', to: 'u2' });
    expect((await rejection(w.provider.apply(change))).transient).toBe(true);
    expect(w.emulator.counters.get(`POST ${TRANSFERS}`)).toBe(1);
  });

  it('a completed transfer is already done on a rerun', async () => {
    const w = await start(undefined, { transferPolls: 1 });
    const change = aChange('gws', 'transfer_ownership', { account: alice }, { transferTo: 'bob@acme.com' });
    expect((await w.provider.apply(change)).result).toBe('ok');
    expect((await w.provider.apply(change)).result).toBe('already');
    expect(w.emulator.counters.get(`POST ${TRANSFERS}`)).toBe(1);
    expect(w.emulator.transfers().filter((t) => t.from === 'u1')).toHaveLength(1);
  });

  it('a failed transfer, a missing successor and an unknown successor are permanent errors', async () => {
    const w = await start(undefined, { transferPolls: 1, failTransfers: true });
    const failed = await rejection(apply(w, 'transfer_ownership', { account: alice }, { transferTo: 'bob@acme.com' }));
    expect(failed.transient).toBe(false);
    expect(failed.message).toContain('failed');
    expect(w.emulator.transfers()).toEqual(expect.not.arrayContaining([{ from: 'u1', to: 'u2' }]));
    const before = w.emulator.counters.get(`POST ${TRANSFERS}`);
    expect((await rejection(apply(w, 'transfer_ownership', { account: alice }))).transient).toBe(false);
    expect((await rejection(apply(w, 'transfer_ownership', { account: alice }, { transferTo: 'nobody@acme.com' }))).message).toContain('nobody@acme.com');
    expect(w.emulator.counters.get(`POST ${TRANSFERS}`)).toBe(before);
  });
});

describe('google provider: credentials', () => {
  it('revoke_tokens deletes OAuth tokens and app passwords and invalidates backup codes; again is already done', async () => {
    const w = await start();
    const user = () => w.emulator.store.users.get('u1')!;
    expect(user().tokens.length).toBeGreaterThan(0);
    expect(user().asps.length).toBeGreaterThan(0);
    expect(user().backupCodes.length).toBeGreaterThan(0);
    expect((await apply(w, 'revoke_tokens', { account: alice })).result).toBe('ok');
    expect(user().tokens).toEqual([]);
    expect(user().asps).toEqual([]);
    expect(user().backupCodes).toEqual([]);
    expect(w.emulator.credentials('u1').tokens).toBe(0);
    expect((await apply(w, 'revoke_tokens', { account: alice })).result).toBe('already');
    expect(w.emulator.credentials('u2').tokens).toBeGreaterThan(0);
  });

  it('reset_factors turns 2-Step Verification off; a user not enrolled is already done', async () => {
    const w = await start();
    expect((await apply(w, 'reset_factors', { account: alice })).result).toBe('ok');
    expect(w.emulator.credentials('u1').factors).toBe(0);
    expect((await apply(w, 'reset_factors', { account: alice })).result).toBe('already');
    expect((await apply(w, 'reset_factors', { account: account('u3') })).result).toBe('already');
  });

  it('observes 2-Step Verification and last sign-in (the epoch meaning never)', async () => {
    const seed = contractSeed('google');
    seed.accounts[0] = { ...seed.accounts[0]!, lastLoginAt: '2026-10-01T08:00:00.000Z' };
    const w = await start({ seed });
    const observed = await w.provider.observe();
    const byId = new Map(observed.accounts.map((a) => [a.id, a]));
    expect(byId.get('u1')).toMatchObject({ lastLoginAt: '2026-10-01T08:00:00.000Z', factors: 1, externalId: 'E100' });
    expect(byId.get('u2')).toMatchObject({ lastLoginAt: null, factors: 1 });
    expect(byId.get('u3')).toMatchObject({ status: 'suspended', factors: 0 });
    expect(w.emulator.counters.get('GET /admin/directory/v1/users/{userKey}/tokens')).toBe(0);
  });
});

describe('google provider: retries', () => {
  it('a 403 userRateLimitExceeded and a 503 on a POST are transient, surfaced once, and withRetry converges', async () => {
    const w = await start(undefined, { quota: { requests: 3, windowMs: 300 } });
    const signOut = (who: { id: string; login: string }) => apply(w, 'revoke_sessions', { account: who });
    const pause = () => new Promise((r) => setTimeout(r, 320));
    // Each sign-out costs users.get + users.signOut: the window's third and fourth requests are over quota for the second.
    expect((await signOut(bob)).result).toBe('ok');
    const limited = await rejection(signOut(alice));
    expect(limited).toMatchObject({ transient: true, status: 403 });
    expect(limited.message).toContain('userRateLimitExceeded');
    expect(w.emulator.credentials('u1').sessions).toBeGreaterThan(0);
    expect((await withRetry(() => signOut(alice), { retries: 6, baseMs: 100, maxMs: 400, random: () => 1 })).result).toBe('ok');
    expect(w.emulator.credentials('u1').sessions).toBe(0);

    await pause();
    const dan = account('u4', 'dan@acme.com');
    const postRule = { method: 'POST', path: '/admin/directory/v1/users/{userKey}/signOut', fault: { kind: 'server_error', status: 503 } } as const;
    w.emulator.faults.set({ rules: [postRule] });
    w.emulator.counters.reset();
    const failed = await rejection(signOut(dan));
    expect(failed).toMatchObject({ transient: true, status: 503 });
    expect(w.emulator.counters.get('POST /admin/directory/v1/users/{userKey}/signOut')).toBe(1);
    expect(w.emulator.credentials('u4').sessions).toBeGreaterThan(0);

    await pause();
    w.emulator.faults.set({ rules: [{ ...postRule, times: 2 }] });
    expect((await withRetry(() => signOut(dan), { retries: 6, baseMs: 100, maxMs: 400, random: () => 1 })).result).toBe('ok');
    expect(w.emulator.credentials('u4').sessions).toBe(0);
  });

  it('a failed GET is not retried behind the engine: one request per attempt', async () => {
    const w = await start();
    w.emulator.faults.set({ rules: [{ method: 'GET', path: '/admin/directory/v1/users/{userKey}', fault: { kind: 'server_error', status: 500 }, times: 5 }] });
    await rejection(apply(w, 'suspend', { account: bob }));
    expect(w.emulator.counters.get('GET /admin/directory/v1/users/{userKey}')).toBe(1);
  });

  it('a token endpoint failure is transient and not retried by the client (which would retry its POST)', async () => {
    const w = await start();
    w.emulator.faults.set({ rules: [{ method: 'POST', path: '/token', fault: { kind: 'server_error', status: 503 }, times: 5 }] });
    const e = await rejection(w.provider.observe());
    expect(e).toMatchObject({ transient: true, status: 503 });
    expect(e.message).toContain('token endpoint');
    expect(w.emulator.counters.get('POST /token')).toBe(1);
    expect(w.emulator.accessTokens()).toHaveLength(0);
  });

  it('other 4xx are permanent and carry Google’s reason', async () => {
    const w = await start();
    const e = await rejection(apply(w, 'add_member', { account: account('nobody'), group: group('g1') }));
    expect(e).toMatchObject({ transient: false, status: 404 });
    expect(e.message).toContain('notFound');
  });
});

describe('google provider: no secret anywhere', () => {
  it('keeps the private key and access token out of errors, logs and observed data', async () => {
    const logs: string[] = [];
    const w = await start();
    const ctx = {
      ...providerContext('gws', { GOOGLE_KEY: w.keyJson }),
      log: { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), debug: (m: string) => logs.push(m) },
    };
    const provider = googleModule.create({ ...w.connection }, ctx);
    const texts: string[] = [JSON.stringify(await provider.observe())];
    const tokens = w.emulator.accessTokens();
    expect(tokens).toHaveLength(1);
    const failures: unknown[] = [];
    w.emulator.faults.set({ rules: [{ fault: { kind: 'server_error', status: 502 } }] });
    failures.push(await provider.apply(aChange('gws', 'suspend', { account: bob })).catch((e: unknown) => e));
    w.emulator.faults.set({ rules: [{ fault: { kind: 'reset' } }] });
    failures.push(await provider.apply(aChange('gws', 'suspend', { account: bob })).catch((e: unknown) => e));
    w.emulator.faults.clear();
    w.emulator.revokeAccessTokens();
    failures.push(await provider.apply(aChange('gws', 'revoke_tokens', { account: bob })).catch((e: unknown) => e));
    for (const f of failures) expect(f).toBeInstanceOf(ProviderError);
    texts.push(...failures.flatMap(renderings), ...logs);
    const secrets = [...w.account.privateKeyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')), ...tokens];
    for (const text of texts) for (const s of secrets) expect(text).not.toContain(s);
    expect(texts.join('\n')).not.toMatch(/ya29\.[\w-]{20,}/);
  });
});
