import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, UserError } from '../../src/errors.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import { scimModule, type ScimProvider } from '../../providers/scim/index.js';
import { aChange, account } from './changes.js';
import { contractSeed } from './contract.js';
import { providerContext } from './scim-fixture.js';
import { startScimmyServer, type ScimmyServer } from './scimmy-server.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('scim');

/** SCIM provider behaviour beyond the shared contract: auth, mapping, versions, settings. */
const TOKEN = 'provider-test-token-9012';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function emulator(options: Parameters<typeof startScimEmulator>[0] = {}): Promise<ScimEmulator> {
  const emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN, exchanges, ...options });
  closers.push(() => emu.close());
  return emu;
}

function provider(url: string, extra: Record<string, unknown> = {}, env: Record<string, string> = { SCIM_TOKEN: TOKEN }, dirs = {}): ScimProvider {
  return scimModule.create({ type: 'scim', baseUrl: url, token: '${env:SCIM_TOKEN}', ...extra }, providerContext('app', env, dirs)) as ScimProvider;
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}

function manyUsers(n: number): ObservedProvider {
  const accounts = Array.from({ length: n }, (_, i) => ({
    id: `u${i + 1}`,
    login: `user${i + 1}@acme.com`,
    status: 'active' as const,
    emails: [`user${i + 1}@acme.com`],
  }));
  return { type: 'scim', accounts, groups: [{ id: 'g1', name: 'All', members: accounts.map((a) => a.id) }] };
}

describe('scim provider', () => {
  it('fails with a non-transient 401 naming no credential when the token is wrong', async () => {
    const emu = await emulator();
    const e = await failure(provider(emu.url, {}, { SCIM_TOKEN: 'wrong-token-value' }).observe());
    expect(e).toMatchObject({ status: 401, transient: false });
    expect(e.message).toContain('check the credentials');
    expect(e.message).not.toContain('wrong-token-value');
  });

  it('authenticates with basic credentials', async () => {
    const emu = await emulator({ token: undefined, basic: { username: 'lockstep', password: 'basic-secret-pw' } });
    const p = scimModule.create({ type: 'scim', baseUrl: emu.url, username: 'lockstep', password: '${env:PW}' }, providerContext('app', { PW: 'basic-secret-pw' }));
    expect((await p.observe()).accounts).toHaveLength(7);
  });

  it('refuses a connection whose secret cannot be resolved or that has no credentials', () => {
    expect(() => provider('http://127.0.0.1:1', {}, {})).toThrow(UserError);
    expect(() => scimModule.create({ type: 'scim', baseUrl: 'http://127.0.0.1:1' }, providerContext('app', {}))).toThrow(/needs token/);
  });

  it('maps emails (primary first), display name, creation time and last sign-in', async () => {
    const seed = contractSeed('scim');
    seed.accounts[0] = { ...seed.accounts[0]!, displayName: 'Alice Smith', createdAt: '2025-01-01T00:00:00Z', lastLoginAt: '2026-10-01T09:00:00Z' };
    const emu = await emulator({ seed });
    emu.store.patch('Users', 'u1', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'a.smith@acme.com' }, { value: 'alice@acme.com', primary: true }] }],
    });
    const alice = (await provider(emu.url).observe()).accounts.find((a) => a.id === 'u1');
    expect(alice).toEqual({
      id: 'u1',
      login: 'alice@acme.com',
      status: 'active',
      emails: ['alice@acme.com', 'a.smith@acme.com'],
      externalId: 'E100',
      displayName: 'Alice Smith',
      createdAt: '2025-01-01T00:00:00Z',
      lastLoginAt: '2026-10-01T09:00:00Z',
    });
  });

  it('observes completely when the service caps pages below pageSize', async () => {
    const emu = await emulator({ seed: manyUsers(23), maxPageSize: 4 });
    const observed = await provider(emu.url, { pageSize: 10 }).observe();
    expect(observed.accounts).toHaveLength(23);
    expect(observed.groups[0]?.members).toHaveLength(23);
    expect(emu.counters.get('GET /Users')).toBe(6);
  });

  it('re-reads and retries once when the user changed between read and write (412)', async () => {
    const emu = await emulator({ etags: true });
    emu.faults.set({ latency: { ms: 150, method: 'PATCH', path: '/Users/{id}' } });
    const applying = provider(emu.url).apply(aChange('app', 'suspend', { account: account('u2', 'bob@acme.com') }));
    while (emu.counters.get('PATCH /Users/{id}') === 0) await new Promise((r) => setTimeout(r, 5));
    emu.store.patch('Users', 'u2', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Bob' }] });
    expect((await applying).result).toBe('ok');
    expect(emu.counters.get('PATCH /Users/{id}')).toBe(2);
    expect(emu.observed().accounts.find((a) => a.id === 'u2')).toMatchObject({ status: 'suspended', displayName: 'Bob' });
  });

  it('with deleteMode deactivate keeps the user and only makes sure it is inactive', async () => {
    const emu = await emulator();
    const p = provider(emu.url, { deleteMode: 'deactivate' });
    expect((await p.apply(aChange('app', 'delete', { account: account('u3') }))).result).toBe('already');
    expect((await p.apply(aChange('app', 'delete', { account: account('u6') }))).result).toBe('ok');
    expect(
      emu
        .observed()
        .accounts.filter((a) => a.id === 'u3' || a.id === 'u6')
        .map((a) => a.status),
    ).toEqual(['suspended', 'suspended']);
  });

  it('finds a user by userName with a filter', async () => {
    const emu = await emulator();
    expect((await provider(emu.url).findUser('DAN@acme.com'))?.id).toBe('u4');
    expect(await provider(emu.url).findUser('nobody@acme.com')).toBeNull();
  });

  it('refuses a task without calling the service: the task desk hands it to the app owner', async () => {
    const emu = await emulator();
    const state = await mkdtemp(join(tmpdir(), 'lockstep-scim-'));
    closers.push(() => rm(state, { recursive: true, force: true }));
    const p = provider(emu.url, { owner: 'owner@acme.com' }, { SCIM_TOKEN: TOKEN }, { stateDir: state });
    const task = aChange(
      'app',
      'task',
      { account: account('u1', 'alice@acme.com') },
      { task: { action: 'revoke_sessions', owner: 'owner@acme.com', instructions: 'Sign Alice out everywhere' } },
    );
    const e = await failure(p.apply(task));
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.message).toContain('manual task: the task desk hands it out');
    expect(emu.counters.total()).toBe(0);
    expect(await readdir(state)).toEqual([]);
  });
});

describe('scim provider against scimmy', () => {
  it('falls back to POST .search when the service ignores GET paging parameters', async () => {
    const server: ScimmyServer = await startScimmyServer({ seed: manyUsers(45), token: TOKEN });
    closers.push(() => server.close());
    const observed = await provider(server.url, { pageSize: 10 }).observe();
    expect(observed.accounts.map((a) => a.id).sort()).toEqual(
      manyUsers(45)
        .accounts.map((a) => a.id)
        .sort(),
    );
    expect(server.counters.get('POST /Users/.search')).toBeGreaterThan(0);
  });
});
