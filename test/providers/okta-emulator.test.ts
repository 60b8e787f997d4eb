import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../providers/okta/emulator/index.js';
import type { ObservedProvider } from '../../src/types/index.js';

const TOKEN = '00emulator-test-token-5678';

function seed(users: number): ObservedProvider {
  const id = (i: number) => `00u${String(i).padStart(4, '0')}`;
  return {
    type: 'okta',
    accounts: Array.from({ length: users }, (_, i) => ({
      id: id(i),
      login: `user${i}@acme.com`,
      emails: [`user${i}@acme.com`],
      status: i === 0 ? ('deprovisioned' as const) : ('active' as const),
    })),
    groups: [{ id: '00g1', name: 'Everyone', members: [id(1), id(2)] }],
  };
}

describe('okta emulator', () => {
  let emu: OktaEmulator;
  const start = async (options: OktaEmulatorOptions = {}) => (emu = await startOktaEmulator({ seed: seed(8), token: TOKEN, ...options }));
  const call = (path: string, init: RequestInit = {}, auth = `SSWS ${TOKEN}`) =>
    fetch(path.startsWith('http') ? path : `${emu.url}${path}`, { ...init, headers: { Accept: 'application/json', Authorization: auth, ...(init.headers ?? {}) } });
  const nextLink = (res: Response) => /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];

  afterEach(async () => emu?.close());

  it('pages with Link headers: absolute next URLs carrying after and limit, none after the last page', async () => {
    await start();
    const ids: string[] = [];
    let url: string | undefined = '/api/v1/users?limit=3';
    let pages = 0;
    while (url) {
      const res = await call(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('link')).toMatch(/rel="self"/);
      ids.push(...((await res.json()) as { id: string }[]).map((u) => u.id));
      url = nextLink(res);
      if (url) {
        expect(url.startsWith(emu.url)).toBe(true);
        expect(new URL(url).searchParams.get('limit')).toBe('3');
        // The cursor is opaque: not the last id, as Okta documents it.
        expect(new URL(url).searchParams.get('after')).not.toBe(ids.at(-1));
      }
      pages += 1;
    }
    // 7 users that are not deprovisioned: pages of 3, 3 and 1.
    expect(pages).toBe(3);
    expect(ids).toEqual([...new Set(ids)]);
    expect(ids).not.toContain('00u0000');
  });

  it('caps limit at 200', async () => {
    await start({ seed: seed(250) });
    const res = await call('/api/v1/users?limit=1000');
    expect(((await res.json()) as unknown[]).length).toBe(200);
    expect(nextLink(res)).toBeDefined();
  });

  it('hides deprovisioned users from the plain list and shows them to a status filter', async () => {
    await start();
    const filtered = await call(`/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED" or status eq "SUSPENDED"')}`);
    expect(((await filtered.json()) as { id: string; status: string }[]).map((u) => [u.id, u.status])).toEqual([['00u0000', 'DEPROVISIONED']]);
    const bad = await call(`/api/v1/users?filter=${encodeURIComponent('status nope')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorCode: string }).errorCode).toBe('E0000031');
  });

  it('applies the lifecycle rules: suspend only from ACTIVE; DELETE deactivates first, then removes', async () => {
    await start();
    const suspend = () => call('/api/v1/users/00u0001/lifecycle/suspend', { method: 'POST' });
    expect((await suspend()).status).toBe(200);
    const again = await suspend();
    expect(again.status).toBe(400);
    const body = (await again.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ errorCode: 'E0000001', errorLink: 'E0000001' });
    expect(body['errorId']).toEqual(expect.any(String));
    expect(body['errorCauses']).toEqual([expect.objectContaining({ errorSummary: expect.stringContaining('not ACTIVE') })]);

    expect((await call('/api/v1/users/00u0002', { method: 'DELETE' })).status).toBe(204);
    expect(emu.store.users.get('00u0002')?.status).toBe('DEPROVISIONED');
    expect(emu.store.group('00g1').members.has('00u0002')).toBe(true);
    expect((await call('/api/v1/users/00u0002', { method: 'DELETE' })).status).toBe(204);
    expect(emu.store.users.has('00u0002')).toBe(false);
    expect(emu.store.group('00g1').members.has('00u0002')).toBe(false);
    const gone = await call('/api/v1/users/00u0002');
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { errorCode: string }).errorCode).toBe('E0000007');
  });

  it('seeds active users with a session, a token, a grant and a factor, and revokes them on request', async () => {
    await start();
    expect(emu.credentials('00u0003')).toEqual({ sessions: 1, tokens: 2, factors: 1 });
    expect(emu.credentials('00u0000')).toEqual({ sessions: 0, tokens: 0, factors: 0 });
    expect((await call('/api/v1/users/00u0003/sessions?oauthTokens=true&forgetDevices=true', { method: 'DELETE' })).status).toBe(204);
    expect(emu.credentials('00u0003')).toEqual({ sessions: 0, tokens: 1, factors: 1 });
    const clients = (await (await call('/api/v1/users/00u0003/clients')).json()) as { client_id: string }[];
    expect(clients).toHaveLength(1);
    expect((await call('/api/v1/users/00u0003/grants', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/api/v1/users/00u0003/lifecycle/reset_factors', { method: 'POST' })).status).toBe(200);
    expect(emu.credentials('00u0003')).toEqual({ sessions: 0, tokens: 0, factors: 0 });
  });

  it('answers a missing or wrong token with 401 E0000011', async () => {
    await start();
    for (const auth of ['SSWS wrong', '', 'Bearer not-issued']) {
      const res = await call('/api/v1/users', {}, auth);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    }
  });

  it('sends X-Rate-Limit headers on every answer and 429 E0000047 over the limit', async () => {
    await start({ rateLimit: { limit: 3, windowMs: 60_000 } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('/api/v1/groups');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-rate-limit-limit')).toBe('3');
      remaining.push(res.headers.get('x-rate-limit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await call('/api/v1/groups');
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ errorCode: 'E0000047' });
    const reset = Number(over.headers.get('x-rate-limit-reset'));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000);
    // Another bucket is unaffected.
    expect((await call('/api/v1/groups/00g1')).status).toBe(200);
    expect(emu.limits.rejected).toBe(1);
  });

  it('issues access tokens only for a client assertion signed with the registered key', async () => {
    const registered = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await start({ apps: [{ clientId: '0oaservice', publicKey: registered.publicKey.export({ type: 'spki', format: 'pem' }).toString() }] });
    const assertion = (key: typeof registered.privateKey, jti: string) => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const data = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iss: '0oaservice', sub: '0oaservice', aud: `${emu.url}/oauth2/v1/token`, iat: now, exp: now + 300, jti })}`;
      return `${data}.${createSign('RSA-SHA256').update(data).sign(key).toString('base64url')}`;
    };
    const token = (jwt: string, scope = 'okta.users.read') =>
      fetch(`${emu.url}/oauth2/v1/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        }),
      });
    const forged = await token(assertion(other.privateKey, 'a'));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'invalid_client' });
    expect((await token(assertion(registered.privateKey, 'b'), 'okta.apps.manage')).status).toBe(400);
    const good = await token(assertion(registered.privateKey, 'c'));
    expect(good.status).toBe(200);
    const { access_token: accessToken } = (await good.json()) as { access_token: string };
    expect((await token(assertion(registered.privateKey, 'c'))).status).toBe(401); // a jti is single-use
    expect((await call('/api/v1/users', {}, `Bearer ${accessToken}`)).status).toBe(200);
    // okta.users.read does not allow a change.
    expect((await call('/api/v1/users/00u0001/lifecycle/suspend', { method: 'POST' }, `Bearer ${accessToken}`)).status).toBe(403);
    expect(emu.store.users.get('00u0001')?.status).toBe('ACTIVE');
  });
});
