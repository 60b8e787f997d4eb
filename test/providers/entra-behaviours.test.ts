import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../../src/apply/retry.js';
import type { ProviderError } from '../../src/errors.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { startEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from '../../providers/entra/emulator/index.js';
import { aChange, account } from './changes.js';
import { directory, entraProvider, normalised } from './entra-fixture.js';

/**
 * Microsoft Graph behaviours the provider's definitions do not show, each reproduced by
 * the emulator as Graph documents it and handled by the provider, through the Graph SDK.
 */
describe('entra behaviours', () => {
  const open: { close(): Promise<void> }[] = [];
  const start = async (seed: ObservedProvider, options: EntraEmulatorOptions = {}) => {
    const emu = await startEntraEmulator({ seed, ...options });
    open.push(emu);
    return emu;
  };
  const provider = (emu: EntraEmulator, options: Parameters<typeof entraProvider>[1] = {}) => {
    const h = entraProvider(emu, options);
    open.unshift(h);
    return h;
  };
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });

  // $top is at most 999 on users, groups, group members and memberOf; Graph answers 400
  // to more, and longer listings continue through @odata.nextLink.
  // https://learn.microsoft.com/graph/paging
  // https://learn.microsoft.com/answers/questions/1129204 (the 400 for $top=1000)
  it('asks for at most 999 a page whatever pageSize says, and follows nextLink through every page', async () => {
    const seed = directory(1200, 1);
    seed.groups[0] = { ...seed.groups[0]!, members: seed.accounts.map((a) => a.id) };
    const emu = await start(seed);
    const h = provider(emu, { extra: { pageSize: 5000 } });
    const observed = await h.provider.observe();
    expect(normalised(observed)).toEqual(normalised(emu.observed()));
    expect(observed.groups[0]!.members).toHaveLength(1200);
    expect(emu.counters.get('GET /users')).toBe(2);
    // The first page through the user cast, the next through the nextLink Graph gave.
    expect(emu.counters.get('GET /groups/{id}/members/microsoft.graph.user') + emu.counters.get('GET /groups/{id}/members')).toBe(2);
    const one = await h.provider.observeAccounts!(['u1100']);
    expect(one.accounts.map((a) => a.id)).toEqual(['u1100']);
    expect(one.groups.map((g) => g.id)).toEqual(['g0']);
  });

  // An expired delta token answers 410 Gone (or 400) with error code syncStateNotFound;
  // the client starts again with a full synchronisation.
  // https://learn.microsoft.com/graph/delta-query-overview ("Synchronization reset")
  // https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/
  for (const answer of ['gone', 'badRequest'] as const) {
    it(`drops delta state Graph no longer accepts (${answer === 'gone' ? '410' : '400'} syncStateNotFound), reads everything once, and says so once`, async () => {
      const emu = await start(directory(40, 3));
      const h = provider(emu);
      await h.provider.observe();
      emu.mutate.setEnabled('u000', false);
      emu.mutate.removeMember('g0', 'u002');
      emu.expireDeltaTokens(answer);
      emu.counters.reset();
      const observed = await h.provider.observe();
      expect(normalised(observed)).toEqual(normalised(emu.observed()));
      expect(emu.counters.get('GET /users/delta')).toBeGreaterThanOrEqual(1);
      expect(emu.counters.get('GET /users')).toBe(1);
      expect(emu.counters.get('GET /groups')).toBe(1);
      expect(h.logs.filter((l) => /no longer accepts the stored delta links/.test(l))).toHaveLength(1);
      // The links the full read took are followed next time, with no further notice.
      emu.mutate.addMember('g1', 'u003');
      emu.counters.reset();
      expect(normalised(await h.provider.observe())).toEqual(normalised(emu.observed()));
      expect(emu.counters.get('GET /users')).toBe(0);
      expect(h.logs.filter((l) => /no longer accepts/.test(l))).toHaveLength(1);
    });
  }

  // A batch holds at most 20 requests (Graph refuses more with 400), and each request in
  // it is throttled on its own: a 429 response inside the batch with its own Retry-After.
  // https://learn.microsoft.com/graph/json-batching
  // https://learn.microsoft.com/graph/throttling ("Throttling and batching")
  it("retries, after their own Retry-After, only the requests a batch answered 429, as the apply engine's retry does", async () => {
    const emu = await start({ ...directory(40, 0), accounts: directory(40, 0).accounts.map((a) => ({ ...a, status: 'active' as const })) });
    const h = provider(emu);
    emu.faults.set({ rules: [{ method: 'PATCH', path: '/users/{id}', fault: { kind: 'rate_limit', retryAfter: 1 }, times: 3 }] });
    const retried: { id: string; delayMs: number }[] = [];
    const started = Date.now();
    const results = await Promise.all(
      directory(40, 0).accounts.map((a) =>
        withRetry(() => h.provider.apply(aChange('entra-main', 'suspend', { account: account(a.id) })), {
          retries: 2,
          baseMs: 1,
          onRetry: (_e: ProviderError, _attempt, delayMs) => retried.push({ id: a.id, delayMs }),
        }),
      ),
    );
    expect(results.map((r) => r.result)).toEqual(Array(40).fill('ok'));
    expect(retried).toHaveLength(3);
    for (const r of retried) expect(r.delayMs).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // 40 updates and 3 more: only the throttled ones were sent again, each once.
    expect(emu.counters.get('PATCH /users/{id}')).toBe(43);
    expect(emu.counters.get('POST /$batch')).toBeGreaterThanOrEqual(4);
    expect(emu.observed().accounts.every((a) => a.status === 'suspended')).toBe(true);
  });
});
