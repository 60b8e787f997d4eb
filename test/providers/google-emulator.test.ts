import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../providers/google/emulator/index.js';
import { PROVIDER_SCOPES, SCOPE } from '../../providers/google/scopes.js';
import { contractSeed } from './contract.js';
import { ADMIN, googleSeed, sharedServiceAccount } from './google-fixture.js';

const AUDIENCE = 'https://oauth2.googleapis.com/token';
const DIR = '/admin/directory/v1';
const DT = '/admin/datatransfer/v1';

let emu: GoogleEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: Partial<GoogleEmulatorOptions> = {}): Promise<GoogleEmulator> {
  const sa = sharedServiceAccount();
  emu = await startGoogleEmulator({
    seed: googleSeed(contractSeed('google')),
    admin: ADMIN,
    serviceAccounts: [{ clientEmail: sa.clientEmail, publicKey: sa.publicKey, scopes: PROVIDER_SCOPES }],
    ...options,
  });
  return emu;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT-bearer assertion as google-auth-library builds it, with claims overridable. */
function assertion(claims: Record<string, unknown> = {}, key: KeyObject | string = sharedServiceAccount().privateKeyPem): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: sharedServiceAccount().clientEmail, sub: ADMIN, scope: PROVIDER_SCOPES.join(' '), aud: AUDIENCE, iat: now, exp: now + 3600, ...claims };
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** A key of the right shape that is not the service account's. */
const anotherKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function exchange(e: GoogleEmulator, jwt: string, grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
  const res = await fetch(e.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grant, assertion: jwt }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function token(e: GoogleEmulator, claims: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await exchange(e, assertion(claims));
  expect(status).toBe(200);
  return body['access_token'] as string;
}

async function call(e: GoogleEmulator, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${e.url}${path}`, {
    method,
    headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'Content-Type': 'application/json' } : {}) },
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> | undefined };
}

describe('google emulator: token endpoint', () => {
  it('issues a bearer token for a valid assertion; the API requires it', async () => {
    const e = await start();
    expect((await call(e, 'GET', `${DIR}/users?customer=my_customer`)).status).toBe(401);
    const t = await token(e);
    expect(t).toMatch(/^ya29\./);
    const ok = await call(e, 'GET', `${DIR}/users?customer=my_customer`, { token: t });
    expect(ok.status).toBe(200);
    expect(ok.body!['users']).toHaveLength(7);
    const bad = await call(e, 'GET', `${DIR}/users?customer=my_customer`, { token: `${t}x` });
    expect(bad.status).toBe(401);
    expect(bad.body!['error']).toMatchObject({ code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'authError', domain: 'global' }] });
  });

  it.each([
    ['a wrong signature', () => assertion({}, anotherKey()), 400, 'Invalid JWT Signature.'],
    ['another audience', () => assertion({ aud: 'https://example.com/token' }), 400, 'Failed audience check'],
    ['an expired assertion', () => assertion({ iat: 1_000, exp: 4_600 }), 400, 'short-lived'],
    ['a lifetime over an hour', () => assertion({ exp: Math.floor(Date.now() / 1000) + 7200 }), 400, 'short-lived'],
    ['a subject who is not the admin', () => assertion({ sub: 'bob@acme.com' }), 400, 'Invalid email or User ID'],
    ['an unknown issuer', () => assertion({ iss: 'someone@else.iam.gserviceaccount.com' }), 400, 'account not found'],
    ['a scope not delegated', () => assertion({ scope: `${SCOPE.user} https://www.googleapis.com/auth/admin.directory.domain` }), 401, 'unauthorized'],
  ])('refuses %s', async (_what, make, status, description) => {
    const e = await start();
    const answer = await exchange(e, make());
    expect(answer.status).toBe(status);
    expect(String(answer.body['error_description'])).toContain(description);
    expect(e.accessTokens()).toHaveLength(0);
  });

  it('refuses another grant type', async () => {
    const e = await start();
    expect((await exchange(e, assertion(), 'client_credentials')).body['error']).toBe('unsupported_grant_type');
  });

  it('answers 403 insufficientPermissions for a method outside the token’s scopes', async () => {
    const e = await start();
    const t = await token(e, { scope: SCOPE.userSecurity });
    const res = await call(e, 'GET', `${DIR}/users?customer=my_customer`, { token: t });
    expect(res.status).toBe(403);
    expect(res.body!['error'].errors[0].reason).toBe('insufficientPermissions');
    expect((await call(e, 'POST', `${DIR}/users/u1/signOut`, { token: t })).status).toBe(204);
    expect(e.credentials('u1').sessions).toBe(0);
  });
});

describe('google emulator: directory', () => {
  it('seeds active users with a session, an OAuth token, an app password and 2SV; suspended users with none', async () => {
    const e = await start();
    for (const id of ['u1', 'u2', 'u4', 'u6', 'u7']) expect(e.credentials(id)).toEqual({ sessions: 1, tokens: 2, factors: 1 });
    expect(e.credentials('u3')).toEqual({ sessions: 0, tokens: 0, factors: 0 });
  });

  it('pages users with opaque tokens, caps maxResults at 500 and refuses forged tokens', async () => {
    const e = await start();
    const t = await token(e);
    const first = await call(e, 'GET', `${DIR}/users?customer=my_customer&maxResults=3`, { token: t });
    expect(first.body!['users'].map((u: { id: string }) => u.id)).toEqual(['u1', 'u2', 'u3']);
    const next = first.body!['nextPageToken'] as string;
    expect(next).not.toMatch(/^\d+$/);
    const second = await call(e, 'GET', `${DIR}/users?customer=my_customer&maxResults=3&pageToken=${encodeURIComponent(next)}`, { token: t });
    expect(second.body!['users'].map((u: { id: string }) => u.id)).toEqual(['u4', 'u5', 'u6']);
    const last = await call(e, 'GET', `${DIR}/users?customer=my_customer&maxResults=3&pageToken=${encodeURIComponent(second.body!['nextPageToken'])}`, { token: t });
    expect(last.body!['users'].map((u: { id: string }) => u.id)).toEqual(['u7']);
    expect(last.body!['nextPageToken']).toBeUndefined();
    expect((await call(e, 'GET', `${DIR}/users?customer=my_customer&maxResults=501`, { token: t })).body!['error'].errors[0].reason).toBe('invalid');
    expect((await call(e, 'GET', `${DIR}/users?customer=my_customer&pageToken=forged`, { token: t })).status).toBe(400);
    expect((await call(e, 'GET', `${DIR}/users`, { token: t })).status).toBe(400);
    expect((await call(e, 'GET', `${DIR}/groups?customer=my_customer&maxResults=201`, { token: t })).status).toBe(400);
  });

  it('answers partial responses for `fields`', async () => {
    const e = await start();
    const t = await token(e);
    const res = await call(e, 'GET', `${DIR}/users?customer=my_customer&maxResults=2&fields=${encodeURIComponent('nextPageToken,users(id,name/fullName,emails)')}`, {
      token: t,
    });
    expect(Object.keys(res.body!).sort()).toEqual(['nextPageToken', 'users']);
    expect(res.body!['users'][0]).toEqual({
      id: 'u1',
      name: { fullName: 'alice' },
      emails: [{ address: 'alice@acme.com', primary: true }, { address: 'a.smith@acme.com' }],
    });
    expect((await call(e, 'GET', `${DIR}/users?customer=my_customer&fields=users(id`, { token: t })).status).toBe(400);
  });

  it('finds a user by id, primary email or alias; suspends through update', async () => {
    const e = await start();
    const t = await token(e);
    for (const key of ['u1', 'alice@acme.com', 'A.Smith@acme.com']) expect((await call(e, 'GET', `${DIR}/users/${key}`, { token: t })).body!['id']).toBe('u1');
    const missing = await call(e, 'GET', `${DIR}/users/nobody@acme.com`, { token: t });
    expect(missing.body).toEqual({
      error: {
        code: 404,
        message: 'Resource Not Found: userKey',
        errors: [{ message: 'Resource Not Found: userKey', domain: 'global', reason: 'notFound' }],
        status: 'NOT_FOUND',
      },
    });
    expect((await call(e, 'PUT', `${DIR}/users/u2`, { token: t, body: { suspended: true } })).body!['suspended']).toBe(true);
    expect(e.observed().accounts.find((a) => a.id === 'u2')?.status).toBe('suspended');
  });

  it('members: insert answers 409 duplicate, delete of a non-member 404 notFound', async () => {
    const e = await start();
    const t = await token(e);
    expect((await call(e, 'POST', `${DIR}/groups/g4/members`, { token: t, body: { id: 'u7', role: 'MEMBER' } })).status).toBe(200);
    const dup = await call(e, 'POST', `${DIR}/groups/engineering@acme.com/members`, { token: t, body: { email: 'alice@acme.com' } });
    expect(dup.status).toBe(409);
    expect(dup.body!['error'].errors[0].reason).toBe('duplicate');
    expect((await call(e, 'DELETE', `${DIR}/groups/g2/members/u7`, { token: t })).status).toBe(404);
    expect((await call(e, 'DELETE', `${DIR}/groups/g1/members/u4`, { token: t })).status).toBe(204);
    expect(e.observed().groups.find((g) => g.id === 'g1')?.members).toEqual(['u1', 'u2']);
    expect(e.observed().groups.find((g) => g.id === 'g4')?.members).toEqual(['u7']);
  });

  it('turnOff of a user without 2SV is refused; tokens and app passwords are deleted one by one', async () => {
    const e = await start();
    const t = await token(e);
    expect((await call(e, 'POST', `${DIR}/users/u3/twoStepVerification/turnOff`, { token: t })).status).toBe(400);
    const tokens = await call(e, 'GET', `${DIR}/users/u1/tokens`, { token: t });
    const clientId = tokens.body!['items'][0].clientId as string;
    expect((await call(e, 'DELETE', `${DIR}/users/u1/tokens/${clientId}`, { token: t })).status).toBe(204);
    expect((await call(e, 'DELETE', `${DIR}/users/u1/tokens/${clientId}`, { token: t })).status).toBe(404);
    const asps = await call(e, 'GET', `${DIR}/users/u1/asps`, { token: t });
    expect((await call(e, 'DELETE', `${DIR}/users/u1/asps/${asps.body!['items'][0].codeId}`, { token: t })).status).toBe(204);
    expect(e.credentials('u1').tokens).toBe(0);
  });

  it('answers 403 userRateLimitExceeded past the quota, and again after the window', async () => {
    const e = await start({ quota: { requests: 2, windowMs: 150 } });
    const t = await token(e);
    const get = () => call(e, 'GET', `${DIR}/users/u1`, { token: t });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const limited = await get();
    expect(limited.status).toBe(403);
    expect(limited.body!['error'].errors[0]).toMatchObject({ reason: 'userRateLimitExceeded', domain: 'usageLimits' });
    await new Promise((r) => setTimeout(r, 170));
    expect((await get()).status).toBe(200);
  });

  it('renders injected faults as Google error bodies and counts by template', async () => {
    const e = await start();
    const t = await token(e);
    e.faults.set({ rules: [{ method: 'GET', path: `${DIR}/users/{userKey}`, fault: { kind: 'rate_limit', retryAfter: 3 } }] });
    const res = await call(e, 'GET', `${DIR}/users/u1`, { token: t });
    expect(res.status).toBe(429);
    expect(res.body!['error'].errors[0].reason).toBe('rateLimitExceeded');
    expect(e.counters.get(`GET ${DIR}/users/{userKey}`)).toBe(1);
  });
});

describe('google emulator: data transfer', () => {
  it('lists Drive and Calendar; a transfer goes new → inProgress → completed across polls', async () => {
    const e = await start({ transferPolls: 3 });
    const t = await token(e);
    const apps = (await call(e, 'GET', `${DT}/applications`, { token: t })).body!['applications'] as { id: string; name: string }[];
    const drive = apps.find((a) => a.name === 'Drive and Docs')!;
    const inserted = await call(e, 'POST', `${DT}/transfers`, {
      token: t,
      body: {
        oldOwnerUserId: 'u1',
        newOwnerUserId: 'u2',
        applicationDataTransfers: [{ applicationId: drive.id, applicationTransferParams: [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }] }],
      },
    });
    expect(inserted.body!['overallTransferStatusCode']).toBe('new');
    const poll = async () => (await call(e, 'GET', `${DT}/transfers/${inserted.body!['id']}`, { token: t })).body!['overallTransferStatusCode'];
    expect([await poll(), await poll()]).toEqual(['inProgress', 'inProgress']);
    expect(e.transfers()).toEqual([]);
    expect(await poll()).toBe('completed');
    expect(e.transfers()).toEqual([{ from: 'u1', to: 'u2' }]);
    const listed = await call(e, 'GET', `${DT}/transfers?oldOwnerUserId=u1&status=completed`, { token: t });
    expect(listed.body!['dataTransfers']).toHaveLength(1);
    expect((await call(e, 'GET', `${DT}/transfers?oldOwnerUserId=u4`, { token: t })).body!['dataTransfers']).toBeUndefined();
  });

  it('refuses a transfer to an unknown user, to oneself, or with a parameter the application does not have', async () => {
    const e = await start({ transfers: [{ from: 'u3', to: 'u2' }] });
    const t = await token(e);
    const insert = (body: object) => call(e, 'POST', `${DT}/transfers`, { token: t, body });
    const app = { applicationId: '55656082996' };
    expect((await insert({ oldOwnerUserId: 'u1', newOwnerUserId: 'nobody', applicationDataTransfers: [app] })).status).toBe(400);
    expect((await insert({ oldOwnerUserId: 'u1', newOwnerUserId: 'u1', applicationDataTransfers: [app] })).status).toBe(400);
    expect(
      (
        await insert({
          oldOwnerUserId: 'u1',
          newOwnerUserId: 'u2',
          applicationDataTransfers: [{ ...app, applicationTransferParams: [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }] }],
        })
      ).status,
    ).toBe(400);
    expect(e.transfers()).toEqual([{ from: 'u3', to: 'u2' }]);
  });
});
