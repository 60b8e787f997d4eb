import { describe, expect, it } from 'vitest';
import { withRetry } from '../../src/apply/retry.js';
import type { ProviderError } from '../../src/errors.js';
import { aChange, account } from './changes.js';
import { contractLog } from '../contracts/record.js';
import { directory, entraTestbed, normalised } from './entra-fixture.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('graph');

/**
 * Microsoft Graph behaviours the provider's definitions do not show, each reproduced by
 * the emulator as Graph documents it and handled by the provider, through the Graph SDK.
 */
describe('entra behaviours', () => {
  const { start, provider } = entraTestbed(exchanges);

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

  // signInActivity needs an Entra ID P1/P2 licence and AuditLog.Read.All: without either,
  // Graph answers 403 to a read that selects it.
  // https://learn.microsoft.com/graph/api/user-list ("Get users including their last sign-in time")
  // https://docs.azure.cn/en-us/active-directory/reports-monitoring/howto-configure-prerequisites-for-reporting-api ("Common errors")
  for (const [lacking, options, reason] of [
    ['licence', { premium: false }, /no Entra ID P1\/P2 licence/],
    ['permission', { auditLogRead: false }, /lacks the AuditLog\.Read\.All permission/],
  ] as const) {
    it(`observes without last sign-in times where the ${lacking} is missing, warning once per observation run`, async () => {
      const seed = directory(30, 2);
      seed.accounts[0] = { ...seed.accounts[0]!, lastLoginAt: '2026-11-01T08:00:00Z' };
      const emu = await start(seed, options);
      const h = provider(emu, { pageSize: 10 });
      const warnings = () => h.logs.filter((l) => reason.test(l)).length;
      const observed = await h.provider.observe();
      expect(normalised(observed)).toEqual(normalised(emu.observed()));
      expect(observed.accounts.every((a) => a.lastLoginAt === null)).toBe(true);
      // Three pages of users, one warning.
      expect(warnings()).toBe(1);
      expect(emu.counters.get('GET /users')).toBe(1 + 3);
      // The next full run asks no more for what Graph refused, and says so again, once.
      await h.provider.observe({ resync: true });
      expect(warnings()).toBe(2);
      expect(emu.counters.get('GET /users')).toBe(1 + 3 + 3);
      const some = await h.provider.observeAccounts!(['u000', 'u001', 'u002', 'u003']);
      expect(some.accounts.map((a) => a.id).sort()).toEqual(['u000', 'u001', 'u002', 'u003']);
      expect(warnings()).toBe(3);
    });
  }

  it('reads each account without last sign-in times once Graph refuses them to the accounts read together, warning once', async () => {
    const emu = await start(directory(30, 2), { auditLogRead: false });
    const h = provider(emu);
    const ids = directory(30, 2).accounts.map((a) => a.id);
    const some = await h.provider.observeAccounts!(ids);
    expect(some.accounts).toHaveLength(30);
    expect(h.logs.filter((l) => /AuditLog\.Read\.All/.test(l))).toHaveLength(1);
  });

  // revokeSignInSessions answers 200 { value: true } and invalidates refresh tokens and
  // session cookies by moving signInSessionsValidFromDateTime to now; Graph cannot tell
  // whether any session was issued since, so every run revokes (harmless) and is `ok`.
  // https://learn.microsoft.com/graph/api/user-revokesigninsessions
  it('revokes sign-in sessions on every run, each `ok`, moving the time sessions are valid from', async () => {
    const emu = await start(directory(3, 0));
    const h = provider(emu);
    const revoke = () => h.provider.apply(aChange('entra-main', 'revoke_sessions', { account: account('u000') }));
    const before = emu.user('u000')!.signInSessionsValidFromDateTime;
    expect(await revoke()).toMatchObject({ result: 'ok' });
    expect(emu.credentials('u000').sessions).toBe(0);
    const first = emu.user('u000')!.signInSessionsValidFromDateTime;
    expect(Date.parse(first)).toBeGreaterThan(Date.parse(before));
    expect(await revoke()).toMatchObject({ result: 'ok' });
    expect(emu.counters.get('POST /users/{id}/revokeSignInSessions')).toBe(2);
    expect(Date.parse(emu.user('u000')!.signInSessionsValidFromDateTime)).toBeGreaterThanOrEqual(Date.parse(first));
    // A user that is gone has no sessions left.
    emu.mutate.deleteUser('u001');
    expect(await h.provider.apply(aChange('entra-main', 'revoke_sessions', { account: account('u001') }))).toMatchObject({ result: 'already' });
  });

  // The default multifactor method cannot be deleted while the user has other methods:
  // Graph answers 400 "Cannot delete default method with other methods configured".
  // https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete
  // https://learn.microsoft.com/answers/questions/1337439
  it('deletes the default authentication method after the others, and reset_factors converges', async () => {
    const emu = await start(directory(3, 0));
    const h = provider(emu);
    const user = emu.store.user('u000');
    user.methods.push(
      { id: 'f1d0f1d0-0000-4000-8000-000000000001', '@odata.type': '#microsoft.graph.fido2AuthenticationMethod' },
      { id: '0a7b0a7b-0000-4000-8000-000000000002', '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod' },
    );
    // The Authenticator app, listed first after the password, is the default.
    expect(user.defaultMethod).toBe(user.methods[1]!.id);
    expect(emu.credentials('u000').factors).toBe(4);
    const reset = () => h.provider.apply(aChange('entra-main', 'reset_factors', { account: account('u000') }));
    expect(await reset()).toMatchObject({ result: 'ok', before: { methods: 4 }, after: { methods: 0 } });
    expect(emu.credentials('u000').factors).toBe(0);
    expect(emu.user('u000')!.methods.map((m) => m['@odata.type'])).toEqual(['#microsoft.graph.passwordAuthenticationMethod']);
    // Four deletes and the default's second, once the others were gone.
    expect(emu.counters.get('DELETE /users/{id}/authentication/{kind}/{methodId}')).toBe(5);
    expect(await reset()).toMatchObject({ result: 'already' });
  });
});
