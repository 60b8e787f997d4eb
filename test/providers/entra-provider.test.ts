import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderError, UserError } from '../../src/errors.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { entraModule } from '../../providers/entra/index.js';
import { aChange, account } from './changes.js';
import { directory, entraTestbed, normalised } from './entra-fixture.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('graph');

/** A small deterministic generator (tests must not flake). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('entra provider', () => {
  const { start, provider, track } = entraTestbed(exchanges);

  describe('delta observation', () => {
    it('merges random changes into a state equal to a fresh full observation, for a fraction of the requests', async () => {
      const emu = await start(directory(60, 8));
      const h = provider(emu);
      const first = await h.provider.observe();
      expect(normalised(first)).toEqual(normalised(emu.observed()));
      const rnd = random(42);
      const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) emu.mutate.addUser({ id: `new-${round}-${i}`, userPrincipalName: `new${round}${i}@acme.com`, employeeId: `N${round}${i}` });
        const users = () => [...emu.store.users.keys()];
        for (let i = 0; i < 3; i++) emu.mutate.setEnabled(pick(users()), false);
        for (let i = 0; i < 2; i++) emu.mutate.deleteUser(pick(users()));
        for (let i = 0; i < 10; i++) {
          const g = pick([...emu.store.groups.values()]);
          const u = pick(users());
          if (g.members.has(u)) emu.mutate.removeMember(g.id, u);
          else emu.mutate.addMember(g.id, u);
        }
        emu.mutate.deleteGroup(pick([...emu.store.groups.keys()]));
        emu.mutate.addGroup(`gnew${round}`, `New ${round}`, users().slice(0, 5));
        emu.mutate.addMember(`gnew${round}`, `new-${round}-0`);
        emu.counters.reset();
        const incremental = await h.provider.observe();
        expect(emu.counters.get('GET /users'), 'no full listing').toBe(0);
        expect(emu.counters.get('GET /groups/{id}/members/microsoft.graph.user')).toBe(0);
        expect(emu.counters.get('GET /users/delta') + emu.counters.get('GET /groups/delta')).toBeLessThanOrEqual(4);
        const fresh = provider(emu);
        expect(normalised(incremental)).toEqual(normalised(await fresh.provider.observe()));
        expect(normalised(incremental)).toEqual(normalised(emu.observed()));
      }
    });

    it('loses nothing that changes while the first, full read is listing', async () => {
      const emu = await start(directory(20, 3));
      const h = provider(emu);
      emu.faults.set({ latency: { method: 'GET', path: '/groups/{id}/members/microsoft.graph.user', ms: 300 } });
      const first = h.provider.observe();
      // Users and groups are listed once member listings start: change what was listed.
      while (emu.counters.get('GET /groups/{id}/members/microsoft.graph.user') === 0) await new Promise((r) => setTimeout(r, 5));
      emu.mutate.setEnabled('u000', false);
      emu.mutate.deleteUser('u001');
      emu.mutate.addUser({ id: 'late', userPrincipalName: 'late@acme.com' });
      const during = await first;
      expect(during.accounts.find((a) => a.id === 'u000')?.status).toBe('active');
      emu.faults.clear();
      const next = await h.provider.observe();
      expect(emu.counters.get('GET /users')).toBe(1);
      expect(normalised(next)).toEqual(normalised(emu.observed()));
    });

    it('keeps the delta links and state in a private file, and continues from it in a new process', async () => {
      const emu = await start(directory(20, 3));
      const h = provider(emu);
      await h.provider.observe();
      const file = join(h.stateDir, 'providers', 'entra-main', 'delta.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('deltatoken');
      expect(text).not.toContain(emu.clientSecret);
      for (const t of emu.accessTokens()) expect(text).not.toContain(t);
      emu.mutate.setEnabled('u000', false);
      emu.mutate.removeMember('g0', 'u000');
      emu.counters.reset();
      const again = entraModule.create(
        {
          type: 'entra',
          tenantId: emu.tenantId,
          clientId: emu.clientId,
          clientSecret: '${env:S}',
          graphUrl: emu.url,
          authorityHost: emu.authorityHost,
          caFile: join(h.dir, 'ca.pem'),
        },
        providerContext('entra-main', { S: emu.clientSecret }, { stateDir: h.stateDir }),
      );
      track(again);
      const observed = await again.observe();
      expect(emu.counters.get('GET /users')).toBe(0);
      expect(emu.counters.get('GET /users/delta')).toBe(1);
      expect(normalised(observed)).toEqual(normalised(emu.observed()));
      expect(observed.accounts.find((a) => a.id === 'u000')?.status).toBe('suspended');
    });

    it('reads everything afresh when Graph no longer accepts the delta link (410), and on resync', async () => {
      const emu = await start(directory(30, 4));
      const h = provider(emu);
      await h.provider.observe();
      emu.expireDeltaTokens();
      emu.mutate.deleteUser('u001');
      emu.mutate.addMember('g0', 'u003');
      emu.counters.reset();
      const observed = await h.provider.observe();
      expect(emu.counters.get('GET /users')).toBe(1);
      expect(normalised(observed)).toEqual(normalised(emu.observed()));
      expect(h.logs.some((l) => /no longer accepts/.test(l))).toBe(true);
      // The links taken by the full read work again.
      emu.counters.reset();
      await h.provider.observe();
      expect(emu.counters.get('GET /users')).toBe(0);
      // resync ignores valid links.
      emu.counters.reset();
      expect(normalised(await h.provider.observe({ resync: true }))).toEqual(normalised(emu.observed()));
      expect(emu.counters.get('GET /users')).toBe(1);
    });
  });

  describe('JSON batching', () => {
    const suspends = (n: number) => Array.from({ length: n }, (_, i) => aChange('entra-main', 'suspend', { account: account(`u${String(i).padStart(3, '0')}`) }));
    const allActive = (n: number): ObservedProvider => ({ ...directory(n, 0), accounts: directory(n, 0).accounts.map((a) => ({ ...a, status: 'active' as const })) });

    it('sends 40 concurrent suspends as batches of 20: 2 for the reads, 2 for the updates', async () => {
      const emu = await start(allActive(40));
      const h = provider(emu);
      const results = await Promise.all(suspends(40).map((c) => h.provider.apply(c)));
      expect(results.every((r) => r.result === 'ok')).toBe(true);
      expect(emu.observed().accounts.every((a) => a.status === 'suspended')).toBe(true);
      expect(emu.counters.get('POST /$batch')).toBe(4);
      expect(emu.counters.get('PATCH /users/{id}')).toBe(40);
      expect(emu.counters.get('GET /users/{id}')).toBe(40);
    });

    it('fails only the sub-requests a batch answers with 429, each with its own Retry-After; a rerun converges', async () => {
      const emu = await start(allActive(40));
      const h = provider(emu);
      emu.faults.set({ rules: [{ method: 'PATCH', path: '/users/{id}', fault: { kind: 'rate_limit', retryAfter: 3 }, times: 3 }] });
      const settled = await Promise.allSettled(suspends(40).map((c) => h.provider.apply(c)));
      const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as ProviderError);
      expect(failed).toHaveLength(3);
      for (const e of failed) {
        expect(e).toBeInstanceOf(ProviderError);
        expect(e).toMatchObject({ transient: true, status: 429, retryAfterMs: 3000 });
      }
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(37);
      expect(emu.observed().accounts.filter((a) => a.status === 'active')).toHaveLength(3);
      const rerun = await Promise.all(suspends(40).map((c) => h.provider.apply(c)));
      expect(rerun.filter((r) => r.result === 'already')).toHaveLength(37);
      expect(rerun.filter((r) => r.result === 'ok')).toHaveLength(3);
      expect(emu.observed().accounts.every((a) => a.status === 'suspended')).toBe(true);
    });

    it('fails every request of a batch whose answer is lost, as transient; a rerun finds the effects and converges', async () => {
      const emu = await start(allActive(5));
      const h = provider(emu);
      emu.faults.set({ rules: [{ method: 'PATCH', path: '/users/{id}', fault: { kind: 'reset' }, afterEffect: true }] });
      const settled = await Promise.allSettled(suspends(5).map((c) => h.provider.apply(c)));
      expect(settled.every((s) => s.status === 'rejected' && (s.reason as ProviderError).transient)).toBe(true);
      expect(emu.observed().accounts.every((a) => a.status === 'suspended')).toBe(true);
      emu.faults.clear();
      const rerun = await Promise.all(suspends(5).map((c) => h.provider.apply(c)));
      expect(rerun.map((r) => r.result)).toEqual(Array(5).fill('already'));
    });
  });

  describe('credentials and TLS', () => {
    it('signs in with a certificate (a client assertion the service verifies)', async () => {
      const emu = await start(directory(5, 1), { clientCertificate: true });
      const h = provider(emu, { certificate: true });
      expect(normalised(await h.provider.observe())).toEqual(normalised(emu.observed()));
      expect(emu.accessTokens()).toHaveLength(1);
    });

    it('fails sign-in with a certificate the app does not have, permanently and without the key', async () => {
      const emu = await start(directory(3, 0));
      const other = await start(directory(1, 0), { clientCertificate: true });
      const dir = provider(emu);
      writeFileSync(join(dir.dir, 'wrong.pem'), other.clientCertificatePem()!);
      const p = entraModule.create(
        {
          type: 'entra',
          tenantId: emu.tenantId,
          clientId: emu.clientId,
          certificate: `\${file:${join(dir.dir, 'wrong.pem')}}`,
          graphUrl: emu.url,
          authorityHost: emu.authorityHost,
          caFile: 'ca.pem',
        },
        providerContext('entra-main', {}, { policyDir: dir.dir, stateDir: dir.stateDir }),
      );
      track(p);
      const e = (await p.observe().catch((x: unknown) => x)) as ProviderError;
      expect(e).toBeInstanceOf(ProviderError);
      expect(e.transient).toBe(false);
      expect(e.message).toMatch(/AADSTS700027/);
      expect(e.message).not.toContain('PRIVATE KEY');
      expect(emu.accessTokens()).toHaveLength(0);
    });

    it('trusts the emulator only through caFile: without it the TLS connection is refused', async () => {
      const emu = await start(directory(3, 1));
      const h = provider(emu, { caFile: false });
      const e = (await h.provider.observe().catch((x: unknown) => x)) as ProviderError;
      expect(e).toBeInstanceOf(ProviderError);
      expect(e.message).toMatch(/certificate|caFile/i);
      expect(emu.counters.total()).toBe(0);
      expect(emu.accessTokens()).toHaveLength(0);
    });

    it('refuses plain http for Graph and the sign-in host, loopback included', () => {
      const ctx = providerContext('entra-main', { S: 'not-a-real-secret-123' });
      const base = { type: 'entra' as const, tenantId: 't', clientId: 'c', clientSecret: '${env:S}' };
      expect(() => entraModule.create({ ...base, graphUrl: 'http://graph.example.com' }, ctx)).toThrow(UserError);
      expect(() => entraModule.create({ ...base, graphUrl: 'http://127.0.0.1:8443' }, ctx)).toThrow(/plain http/);
      expect(() => entraModule.create({ ...base, authorityHost: 'http://login.example.com' }, ctx)).toThrow(UserError);
      expect(() => entraModule.create({ ...base, clientSecret: undefined }, ctx)).toThrow(/exactly one/);
    });
  });

  it('reads last sign-in times where the tenant has Entra ID P1/P2, and observes without them where not', async () => {
    const seed = directory(4, 1);
    seed.accounts[0] = { ...seed.accounts[0]!, lastLoginAt: '2026-11-01T08:00:00Z' };
    for (const premium of [true, false]) {
      const emu = await start(seed, { premium });
      const h = provider(emu);
      const observed = await h.provider.observe();
      expect(normalised(observed)).toEqual(normalised(emu.observed()));
      expect(observed.accounts.find((a) => a.id === 'u000')?.lastLoginAt).toBe(premium ? '2026-11-01T08:00:00Z' : null);
      expect(h.logs.some((l) => /no Entra ID P1\/P2 licence/.test(l))).toBe(!premium);
    }
  });

  it("releases a disabled account's licences before deleting it", async () => {
    const emu = await start(directory(6, 1));
    const h = provider(emu);
    expect(emu.user('u004')?.assignedLicenses).toHaveLength(1);
    expect((await h.provider.apply(aChange('entra-main', 'delete', { account: account('u004') }))).result).toBe('ok');
    expect(emu.store.users.has('u004')).toBe(false);
    expect(emu.user('u004')?.assignedLicenses).toEqual([]);
    expect(emu.counters.get('POST /users/{id}/assignLicense')).toBe(1);
    expect((await h.provider.apply(aChange('entra-main', 'delete', { account: account('u004') }))).result).toBe('already');
  });

  it('shows no client secret, private key or access token in errors, logs, state or observed data', async () => {
    const emu = await start(directory(8, 2), { clientCertificate: true });
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.exec(emu.clientCertificatePem()!)![0];
    const keyLine = key.split('\n')[1]!;
    const outputs: string[] = [];
    const collect = async (p: Promise<unknown>) =>
      outputs.push(
        JSON.stringify(
          await p.then(
            (x) => x,
            (e: Error) => ({ message: e.message, stack: e.stack, cause: String((e as { cause?: unknown }).cause ?? '') }),
          ),
        ),
      );
    for (const cert of [false, true]) {
      const h = provider(emu, { certificate: cert });
      await collect(h.provider.observe());
      emu.faults.set({ rules: [{ method: 'PATCH', path: '/users/{id}', fault: { kind: 'rate_limit', retryAfter: 1 } }] });
      await collect(h.provider.apply(aChange('entra-main', 'suspend', { account: account('u000') })));
      emu.faults.set({ rules: [{ path: '/users/{id}', fault: { kind: 'reset' } }] });
      await collect(h.provider.apply(aChange('entra-main', 'suspend', { account: account('u001') })));
      await collect(h.provider.apply(aChange('entra-main', 'delete', { account: account('u002') })));
      await collect(h.provider.apply(aChange('entra-main', 'add_member', { account: account('u003'), group: { id: 'nope', name: 'nope' } })));
      emu.faults.clear();
      outputs.push(readFileSync(join(h.stateDir, 'providers', 'entra-main', 'delta.json'), 'utf8'), ...h.logs);
    }
    expect(outputs.length).toBeGreaterThan(10);
    const all = outputs.join('\n');
    expect(all).toContain('HTTP 429');
    expect(all).toContain('Request_ResourceNotFound');
    expect(emu.accessTokens().length).toBeGreaterThanOrEqual(2);
    for (const secret of [emu.clientSecret, keyLine, 'PRIVATE KEY', ...emu.accessTokens()]) expect(all).not.toContain(secret);
  });

  it('takes the client id by reference, so one Config signs in as a read-only app for pull request plans', async () => {
    const emu = await start(directory(3, 1));
    const h = provider(emu);
    const connection = {
      type: 'entra' as const,
      tenantId: emu.tenantId,
      clientId: '${env:ENTRA_CLIENT_ID}',
      clientSecret: '${env:S}',
      graphUrl: emu.url,
      authorityHost: emu.authorityHost,
      caFile: 'ca.pem',
    };
    const p = entraModule.create(
      connection,
      providerContext('entra-main', { S: emu.clientSecret, ENTRA_CLIENT_ID: emu.clientId }, { policyDir: h.dir, stateDir: h.stateDir }),
    );
    track(p);
    expect(normalised(await p.observe())).toEqual(normalised(emu.observed()));
    expect(() => entraModule.create(connection, providerContext('entra-main', { S: emu.clientSecret }, { policyDir: h.dir, stateDir: h.stateDir }))).toThrow(
      /clientId: environment variable ENTRA_CLIENT_ID is not set/,
    );
  });

  it('reports a wrong client secret as a permanent sign-in failure without the secret', async () => {
    const emu = await start(directory(2, 0));
    const h = provider(emu);
    const wrongSecret = 'Wr0ng~secret-value-that-must-not-leak';
    const p = entraModule.create(
      { type: 'entra', tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: '${env:S}', graphUrl: emu.url, authorityHost: emu.authorityHost, caFile: 'ca.pem' },
      providerContext('entra-main', { S: wrongSecret }, { policyDir: h.dir, stateDir: h.stateDir }),
    );
    track(p);
    const e = (await p.observe().catch((x: unknown) => x)) as ProviderError;
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/AADSTS7000215/);
    expect(`${e.message}${e.stack ?? ''}`).not.toContain(wrongSecret);
    expect(emu.counters.get('GET /users')).toBe(0);
  });
});
