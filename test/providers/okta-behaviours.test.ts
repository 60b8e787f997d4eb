import { afterEach, describe, expect, it } from 'vitest';
import { oktaModule } from '../../providers/okta/index.js';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../providers/okta/emulator/index.js';
import type { OktaUserStatus } from '../../providers/okta/mapping.js';
import type { Provider } from '../../src/provider/provider.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { aChange, account, providerFailure } from './changes.js';
import { providerContext } from './scim-fixture.js';
import { CONTRACT_PROBE_HEADER } from '../../src/emulator/exchanges.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('okta');

/**
 * Okta behaviours the API's definitions do not show, each reproduced by the emulator and
 * handled by the provider, through the official SDK.
 */

const TOKEN = '00behaviour-test-token-9876';
const id = (i: number) => `00u${String(i).padStart(5, '0')}`;

function users(n: number, status: (i: number) => 'active' | 'suspended' = () => 'active'): ObservedProvider['accounts'] {
  return Array.from({ length: n }, (_, i) => ({ id: id(i), login: `user${i}@acme.com`, emails: [`user${i}@acme.com`], status: status(i) }));
}

describe('okta behaviours', () => {
  let emu: OktaEmulator;
  let provider: Provider;
  const start = async (seed: ObservedProvider, options: OktaEmulatorOptions = {}, connection: Record<string, unknown> = {}) => {
    emu = await startOktaEmulator({ seed, token: TOKEN, exchanges, ...options });
    provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}', ...connection }, providerContext('okta-main', { OKTA_TOKEN: TOKEN }));
  };
  const call = (path: string, init: RequestInit = {}, headers: Record<string, string> = {}) =>
    fetch(path.startsWith('http') ? path : `${emu.url}${path}`, { ...init, headers: { Accept: 'application/json', Authorization: `SSWS ${TOKEN}`, ...headers } });
  const nextLink = (res: Response) => /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  const suspend = (userId: string) => provider.apply(aChange('okta-main', 'suspend', { account: account(userId) }));

  afterEach(async () => {
    await provider?.close();
    await emu?.close();
  });

  // https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/
  // Suspend only from ACTIVE, unsuspend only from SUSPENDED, deactivate from anything but
  // DEPROVISIONED; DELETE of a user that is not DEPROVISIONED deactivates it, a second deletes it.
  describe('user lifecycle', () => {
    const STATUSES: Record<string, OktaUserStatus> = {
      [id(0)]: 'STAGED',
      [id(1)]: 'PROVISIONED',
      [id(2)]: 'RECOVERY',
      [id(3)]: 'PASSWORD_EXPIRED',
      [id(4)]: 'LOCKED_OUT',
    };
    const seed: ObservedProvider = { type: 'okta', accounts: users(6), groups: [{ id: '00g1', name: 'Everyone', members: [id(3), id(4)] }] };

    it('the emulator refuses suspend of a user that is not ACTIVE with 400 E0000001, and deactivation of a deactivated one', async () => {
      await start(seed, { statuses: STATUSES });
      for (const userId of Object.keys(STATUSES)) {
        const res = await call(`/api/v1/users/${userId}/lifecycle/suspend`, { method: 'POST' });
        expect(res.status, STATUSES[userId]).toBe(400);
        expect(await res.json()).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: suspend' });
        expect(emu.store.users.get(userId)?.status).toBe(STATUSES[userId]);
      }
      expect((await call(`/api/v1/users/${id(5)}/lifecycle/deactivate`, { method: 'POST' })).status).toBe(200);
      const again = await call(`/api/v1/users/${id(5)}/lifecycle/deactivate`, { method: 'POST' });
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ errorCode: 'E0000001' });
    });

    it('counts STAGED, PROVISIONED, RECOVERY, PASSWORD_EXPIRED and LOCKED_OUT users as active, and contains each by deactivating it', async () => {
      await start(seed, { statuses: STATUSES });
      const observed = await provider.observe();
      for (const userId of Object.keys(STATUSES)) expect(observed.accounts.find((a) => a.id === userId)?.status, STATUSES[userId]).toBe('active');
      for (const [userId, status] of Object.entries(STATUSES)) {
        const outcome = await suspend(userId);
        expect(outcome, status).toMatchObject({ result: 'ok', before: { status }, after: { status: 'DEPROVISIONED' } });
        expect(outcome.detail).toContain('Okta suspends only ACTIVE users');
        expect(emu.store.users.get(userId)?.status).toBe('DEPROVISIONED');
        expect((await suspend(userId)).result).toBe('already');
      }
      // Contained, then deleted with a single DELETE: they are DEPROVISIONED already.
      expect((await provider.apply(aChange('okta-main', 'delete', { account: account(id(4)) }))).result).toBe('ok');
      expect(emu.store.users.has(id(4))).toBe(false);
      expect(emu.store.group('00g1').members.has(id(4))).toBe(false);
    });

    it('deletes a suspended user deactivated by someone else meanwhile', async () => {
      await start({ ...seed, accounts: users(1, () => 'suspended') });
      emu.faults.set({ latency: { method: 'POST', path: '/api/v1/users/{id}/lifecycle/deactivate', ms: 300 } });
      const pending = provider.apply(aChange('okta-main', 'delete', { account: account(id(0)) }));
      while (emu.counters.get('POST /api/v1/users/{id}/lifecycle/deactivate') === 0) await new Promise((r) => setTimeout(r, 10));
      emu.store.users.get(id(0))!.status = 'DEPROVISIONED';
      expect((await pending).result).toBe('ok');
      expect(emu.store.users.has(id(0))).toBe(false);
    });
  });

  // https://developer.okta.com/docs/reference/rl-global-mgmt/ (the buckets and their limits)
  // https://developer.okta.com/docs/reference/rl-best-practices/ (X-Rate-Limit-* headers; wait until Reset)
  describe('rate-limit buckets', () => {
    const seed: ObservedProvider = {
      type: 'okta',
      accounts: users(12),
      groups: Array.from({ length: 6 }, (_, g) => ({ id: `00g${g}`, name: `G${g}`, members: [id(g), id(g + 6)] })),
    };

    it('the emulator keeps one budget per published bucket, each with its own limit, and answers 429 without Retry-After', async () => {
      await start(seed);
      const limitOf = async (path: string, init: RequestInit = {}) => (await call(path, init)).headers.get('x-rate-limit-limit');
      expect(await limitOf('/api/v1/users')).toBe('600');
      expect(await limitOf(`/api/v1/users/${id(1)}`)).toBe('2000');
      expect(await limitOf(`/api/v1/users/${id(1)}/lifecycle/suspend`, { method: 'POST' })).toBe('1200');
      expect(await limitOf('/api/v1/groups/00g1')).toBe('1000');
      // Group listings and member listings draw on the same groups bucket.
      const list = await call('/api/v1/groups');
      const members = await call('/api/v1/groups/00g1/users');
      expect([list.headers.get('x-rate-limit-limit'), members.headers.get('x-rate-limit-limit')]).toEqual(['500', '500']);
      expect(Number(members.headers.get('x-rate-limit-remaining'))).toBe(Number(list.headers.get('x-rate-limit-remaining')) - 1);

      emu.limits.settings = { limit: 1, windowMs: 60_000 };
      await call('/api/v1/groups');
      const refused = await call('/api/v1/groups/00g2/users');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(refused.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(Number(refused.headers.get('x-rate-limit-reset')) * 1000).toBeGreaterThan(Date.now());
    });

    it('paces group and member listings as one bucket: a small groups budget is waited out, never exceeded', async () => {
      // 1 groups page + 6 member listings = 7 requests of the groups bucket at 4 per second.
      await start(seed, { rateLimit: { limit: 4, windowMs: 1000 } });
      const observed = await provider.observe();
      expect(observed.groups.map((g) => g.members.length)).toEqual([2, 2, 2, 2, 2, 2]);
      expect(emu.limits.rejected).toBe(0);
    });

    it('waits until X-Rate-Limit-Reset after a 429 that names no Retry-After, instead of asking again at once', async () => {
      await start(seed, { rateLimit: { limit: 2, windowMs: 2000 } });
      // Someone else spends the bucket of GET /api/v1/users/{id}.
      while ((await call(`/api/v1/users/${id(1)}`)).status !== 429);
      const rejectedBefore = emu.limits.rejected;
      const e = await providerFailure(suspend(id(1)));
      expect(e).toMatchObject({ status: 429, transient: true });
      expect(e.retryAfterMs).toBeGreaterThan(0);
      expect(e.retryAfterMs).toBeLessThanOrEqual(2000);
      // The next change in that bucket waits for the window to reset, and succeeds.
      expect((await suspend(id(1))).result).toBe('ok');
      expect(emu.limits.rejected).toBe(rejectedBefore + 1);
    });
  });

  // https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/#tag/User/operation/listUsers (limit: at most 200)
  // https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/#tag/Group/operation/listGroups (limit: 10,000 by default)
  // https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/#tag/Group/operation/listGroupUsers (limit: 1,000 by default)
  describe('page size maxima', () => {
    const big: ObservedProvider = {
      type: 'okta',
      accounts: users(1001),
      groups: [
        { id: '00g1', name: 'Everyone', members: users(1001).map((u) => u.id) },
        ...Array.from({ length: 250 }, (_, g) => ({ id: `00g${1000 + g}`, name: `Team ${g}`, members: [] })),
      ],
    };

    it('the emulator caps limit per listing: users at 200, groups at 10,000, group members at 1,000', async () => {
      await start(big);
      // Limits above the definition's maxima on purpose: not kept for the contract checks.
      const count = async (path: string) => ((await (await call(path, {}, { [CONTRACT_PROBE_HEADER]: '1' })).json()) as unknown[]).length;
      expect(await count('/api/v1/users?limit=1000')).toBe(200);
      expect(await count('/api/v1/users')).toBe(200);
      expect(await count('/api/v1/groups/00g1/users?limit=5000')).toBe(1000);
      expect(await count('/api/v1/groups/00g1/users')).toBe(1000);
      await emu.close();
      await start({ type: 'okta', accounts: [], groups: Array.from({ length: 10_001 }, (_, g) => ({ id: `00g${100_000 + g}`, name: `G${g}`, members: [] })) });
      expect(await count('/api/v1/groups?limit=20000')).toBe(10_000);
      expect(await count('/api/v1/groups')).toBe(10_000);
    });

    it('asks each listing for its largest page, and no larger than pageSize when one is set', async () => {
      await start(big);
      await provider.observe();
      // ceil(1001 / 200) user pages, one page of 251 groups, ceil(1001 / 1000) member pages.
      expect(emu.counters.get('GET /api/v1/users')).toBe(6);
      expect(emu.counters.get('GET /api/v1/groups')).toBe(1);
      expect(emu.counters.get('GET /api/v1/groups/{id}/users')).toBe(2 + 250);

      await provider.close();
      await emu.close();
      await start(big, {}, { pageSize: 500 });
      await provider.observe();
      expect(emu.counters.get('GET /api/v1/users')).toBe(6);
      expect(emu.counters.get('GET /api/v1/groups/{id}/users')).toBe(3 + 250);
    });
  });

  // https://developer.okta.com/docs/api/#pagination: the `after` cursor is opaque, obtained
  // from the Link rel="next" header. Okta does not document how long a cursor lives nor the
  // answer to a stale one: the emulator answers 400 E0000001 (an API validation failure).
  describe('expiring cursors', () => {
    const seed: ObservedProvider = { type: 'okta', accounts: users(450), groups: [] };

    it('the emulator hands out opaque cursors and refuses a stale one with 400 E0000001', async () => {
      await start(seed);
      const first = await call('/api/v1/users?limit=200');
      const next = nextLink(first)!;
      expect(new URL(next).searchParams.get('after')).not.toBe(id(199));
      expect((await call(next)).status).toBe(200);
      emu.cursors.expireAll();
      const stale = await call(next);
      expect(stale.status).toBe(400);
      expect(await stale.json()).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: after' });
    });

    it('lists again from the first page when a cursor expires mid-listing, and keeps no page of the abandoned listing', async () => {
      await start(seed);
      emu.faults.set({ latency: { method: 'GET', path: '/api/v1/users', ms: 100 } });
      const observing = provider.observe();
      // The second page is on its way: its cursor expires before it is read.
      while (emu.counters.get('GET /api/v1/users') < 2) await new Promise((r) => setTimeout(r, 5));
      emu.cursors.expireAll();
      // Deleted after the first page was read: the restarted listing no longer has it.
      emu.store.users.delete(id(0));
      const observed = await observing;
      expect(observed.accounts).toHaveLength(449);
      expect(observed.accounts.map((a) => a.id)).not.toContain(id(0));
      expect(new Set(observed.accounts.map((a) => a.id)).size).toBe(449);
      // 2 requests of the abandoned listing, then 3 pages afresh.
      expect(emu.counters.get('GET /api/v1/users')).toBe(5);
    });

    it('fails as transient, saying why, when the cursor expires again after the restart', async () => {
      await start(seed, { cursorTtlMs: 50 });
      emu.faults.set({ latency: { method: 'GET', path: '/api/v1/users', ms: 100 } });
      const e = await providerFailure(provider.observe());
      expect(e).toMatchObject({ status: 400, transient: true });
      expect(e.message).toContain('E0000001');
      expect(e.message).toContain('cursor expired again');
      expect(e.message).not.toContain(TOKEN);
    });
  });
});
