import { admin, type admin_directory_v1 } from '@googleapis/admin';
import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../../src/apply/retry.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { createJwtClient, parseServiceAccountKey } from '../../providers/google/auth.js';
import { googleModule } from '../../providers/google/index.js';
import { OBSERVE_SCOPES, PROVIDER_SCOPES, SCOPE } from '../../providers/google/scopes.js';
import { aChange, account, providerFailure } from './changes.js';
import { contractSeed } from './contract.js';
import { ADMIN, aGoogleWorld, aServiceAccount, keyFile, keyLine, type GoogleWorld } from './google-fixture.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('google');

/**
 * Google Admin SDK Directory behaviours the API's definitions do not show, each
 * reproduced by the emulator and handled by the provider, through @googleapis/admin.
 */

const DIR = '/admin/directory/v1';
let world: GoogleWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = async (...args: Partial<Parameters<typeof aGoogleWorld>>) =>
  (world = await aGoogleWorld(args[0] ?? { seed: contractSeed('google') }, { exchanges, ...args[1] }, args[2] ?? {}));
const apply = (w: GoogleWorld, action: Parameters<typeof aChange>[1], who: { id: string; login: string }) => w.provider.apply(aChange('gws', action, { account: who }));
const bob = account('u2', 'bob@acme.com');
/** The Directory API client of the SDK, signed in as the provider is, for requests the provider does not make. */
const directoryOf = (w: GoogleWorld): admin_directory_v1.Admin =>
  admin({
    version: 'directory_v1',
    auth: createJwtClient(parseServiceAccountKey(w.keyJson), ADMIN, PROVIDER_SCOPES, 5000),
    rootUrl: `${new URL(w.emulator.url).origin}/`,
    retry: false,
  });
const statusIn = (w: GoogleWorld, id: string) => w.emulator.observed().accounts.find((a) => a.id === id)?.status;

// users.list: maxResults 1..500 (https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list);
// groups.list and members.list: 1..200 (.../rest/v1/groups/list, .../rest/v1/members/list). Larger is refused 400 invalid.
describe('maxResults maxima', () => {
  const id = (i: number) => `u${String(i).padStart(4, '0')}`;
  const big: ObservedProvider = {
    type: 'google',
    accounts: Array.from({ length: 501 }, (_, i) => ({ id: id(i), login: `user${i}@acme.com`, emails: [`user${i}@acme.com`], status: 'active' as const })),
    groups: [
      { id: 'g0000', name: 'everyone@acme.com', members: Array.from({ length: 201 }, (_, i) => id(i)) },
      ...Array.from({ length: 200 }, (_, g) => ({ id: `g${String(g + 1).padStart(4, '0')}`, name: `team${g}@acme.com`, members: [] })),
    ],
  };

  it('the emulator refuses a maxResults over a listing’s maximum, and pages at 100 users, 200 groups and 200 members by default', async () => {
    const w = await start({ seed: big });
    // Through the SDK: a request the provider would never send.
    const directory = directoryOf(w);
    const refused = await directory.members.list({ groupKey: 'g0000', maxResults: 201 }).then(
      () => undefined,
      (e: { response?: { status: number; data: { error: { errors: { reason: string }[] } } } }) => e.response,
    );
    expect(refused?.status).toBe(400);
    expect(refused?.data.error.errors[0]?.reason).toBe('invalid');
    expect((await directory.users.list({ customer: 'my_customer' })).data.users).toHaveLength(100);
    expect((await directory.groups.list({ customer: 'my_customer' })).data.groups).toHaveLength(200);
    expect((await directory.members.list({ groupKey: 'g0000' })).data.members).toHaveLength(200);
  });

  it('asks each listing for its own largest page and follows nextPageToken to the end', async () => {
    const w = await start({ seed: big });
    const observed = await w.provider.observe();
    expect(observed.accounts).toHaveLength(501);
    expect(observed.groups).toHaveLength(201);
    expect(observed.groups.find((g) => g.id === 'g0000')?.members).toHaveLength(201);
    expect(w.emulator.counters.get(`GET ${DIR}/users`)).toBe(2);
    expect(w.emulator.counters.get(`GET ${DIR}/groups`)).toBe(2);
    expect(w.emulator.counters.get(`GET ${DIR}/groups/{groupKey}/members`)).toBe(2 + 200);
  });
});

// https://developers.google.com/workspace/admin/directory/v1/limits: 403 userRateLimitExceeded,
// 403 quotaExceeded and 429 rateLimitExceeded are retried with exponential backoff;
// https://developers.google.com/workspace/admin/directory/v1/guides/troubleshoot-error-codes:
// 403 forbidden and insufficientPermissions are not (the request will not succeed as it is).
describe('rate-limit and permission errors', () => {
  const transient = [
    { status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' },
    { status: 403, reason: 'userRateLimitExceeded', message: 'Quota exceeded for quota metric Queries per minute per user' },
    { status: 403, reason: 'quotaExceeded', message: 'Quota exceeded' },
    { status: 429, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' },
  ];
  const permanent = [
    { status: 403, reason: 'forbidden', message: 'Not Authorized to access this resource/api' },
    { status: 403, reason: 'insufficientPermissions', message: 'Request had insufficient authentication scopes.' },
  ];
  const retry = { retries: 3, baseMs: 10, maxMs: 20 };

  it('treats rate and quota limits as transient: backed off and retried, the change converges', async () => {
    const w = await start();
    for (const error of transient) {
      w.emulator.errors.add({ method: 'PUT', path: `${DIR}/users/{userKey}`, ...error });
      const e = await providerFailure(apply(w, 'suspend', bob));
      expect(e, error.reason).toMatchObject({ status: error.status, transient: true });
      expect(e.message).toContain(error.reason);
      w.emulator.errors.add({ method: 'PUT', path: `${DIR}/users/{userKey}`, ...error });
      expect((await withRetry(() => apply(w, 'suspend', bob), retry)).result).toBe('ok');
      expect(statusIn(w, 'u2')).toBe('suspended');
      w.emulator.store.user('u2').suspended = false;
    }
  });

  it('treats forbidden and insufficientPermissions as permanent: one attempt, nothing changed', async () => {
    const w = await start();
    for (const error of permanent) {
      w.emulator.errors.add({ method: 'PUT', path: `${DIR}/users/{userKey}`, ...error, times: 5 });
      w.emulator.counters.reset();
      const e = await providerFailure(withRetry(() => apply(w, 'suspend', bob), retry));
      expect(e, error.reason).toMatchObject({ status: 403, transient: false });
      expect(e.message).toContain(error.reason);
      expect(w.emulator.counters.get(`PUT ${DIR}/users/{userKey}`)).toBe(1);
      expect(statusIn(w, 'u2')).toBe('active');
      w.emulator.errors.clear();
    }
  });
});

// lastLoginTime of a user who never signed in is the epoch (Directory API users resource,
// https://developers.google.com/workspace/admin/directory/reference/rest/v1/users: lastLoginTime).
describe('never signed in', () => {
  it('reads a lastLoginTime of 1970-01-01T00:00:00.000Z as no sign-in at all, not a sign-in in 1970', async () => {
    const seed = contractSeed('google');
    seed.accounts[0] = { ...seed.accounts[0]!, lastLoginAt: '2026-10-01T08:00:00.000Z' };
    const w = await start({ seed });
    const directory = directoryOf(w);
    expect((await directory.users.get({ userKey: 'u2' })).data.lastLoginTime).toBe('1970-01-01T00:00:00.000Z');
    const observed = await w.provider.observe();
    expect(observed.accounts.find((a) => a.id === 'u1')?.lastLoginAt).toBe('2026-10-01T08:00:00.000Z');
    expect(observed.accounts.find((a) => a.id === 'u2')?.lastLoginAt).toBeNull();
    const reread = await w.provider.observeAccounts!(['u2']);
    expect(reread.accounts[0]?.lastLoginAt).toBeNull();
  });
});

// An archived user (Archived User licence) cannot sign in; `archived` is apart from `suspended`
// (https://support.google.com/a/answer/9048836, users resource `archived`).
describe('archived users', () => {
  it('observes an archived user as suspended, treats suspend as done and deletes it once its data is transferred', async () => {
    const w = await start({ seed: contractSeed('google') }, { archived: ['u2'], transfers: [{ from: 'u2', to: 'u1' }] });
    const directory = directoryOf(w);
    expect((await directory.users.get({ userKey: 'u2' })).data).toMatchObject({ archived: true, suspended: false });
    expect((await w.provider.observe()).accounts.find((a) => a.id === 'u2')?.status).toBe('suspended');

    w.emulator.counters.reset();
    const suspended = await apply(w, 'suspend', bob);
    expect(suspended).toMatchObject({ result: 'already', detail: expect.stringContaining('archived') });
    expect(w.emulator.counters.get(`PUT ${DIR}/users/{userKey}`)).toBe(0);

    expect((await apply(w, 'delete', bob)).result).toBe('ok');
    expect(w.emulator.store.users.has('u2')).toBe(false);
  });
});

// https://developers.google.com/identity/protocols/oauth2/scopes#admin: the Directory API's
// `.readonly` scopes cover users.list, groups.list and members.list. A run that only
// observes (plan, observe) asks for just those, so a delegation that can change nothing
// is enough for pull-request plans, and the same delegation cannot be used to apply.
describe('a delegation of the read-only scopes only', () => {
  it('lets a run that only observes read everything, and refuses one that would apply', async () => {
    const account = aServiceAccount();
    const w = await start(undefined, { serviceAccounts: [{ clientEmail: account.clientEmail, publicKey: account.publicKey, scopes: OBSERVE_SCOPES }] });
    const key = keyFile(account, w.emulator.tokenUrl);
    const reader = googleModule.create({ ...w.connection }, { ...providerContext('gws', { GOOGLE_KEY: key }), access: 'read' });
    const observed = await reader.observe();
    expect(observed.accounts.length).toBe(w.seed.accounts.length);
    expect(observed.groups.length).toBeGreaterThan(0);
    await reader.close();
    const writer = googleModule.create({ ...w.connection }, { ...providerContext('gws', { GOOGLE_KEY: key }), access: 'write' });
    const e = await providerFailure(writer.apply(aChange('gws', 'suspend', { account: bob })));
    expect(e.message).toContain('unauthorized_client');
    for (const scope of PROVIDER_SCOPES) expect(e.message).toContain(scope);
    await writer.close();
    expect(statusIn(w, 'u2')).toBe('active');
  });
});

// https://developers.google.com/identity/protocols/oauth2/service-account#delegatingauthority
// and https://support.google.com/a/answer/162106: the token endpoint answers 401
// unauthorized_client while the client is not authorised for every scope it asks for.
describe('domain-wide delegation refused', () => {
  it('fails as permanent, naming the client id and the scopes to authorise in the Admin console, with no secret and nothing changed', async () => {
    const account = aServiceAccount();
    const w = await start(undefined, { serviceAccounts: [{ clientEmail: account.clientEmail, publicKey: account.publicKey, scopes: [SCOPE.user, SCOPE.userSecurity] }] });
    const key = keyFile(account, w.emulator.tokenUrl);
    const provider = googleModule.create({ ...w.connection }, providerContext('gws', { GOOGLE_KEY: key }));
    w.emulator.counters.reset();
    const attempts: (() => Promise<unknown>)[] = [() => provider.observe(), () => provider.apply(aChange('gws', 'suspend', { account: bob }))];
    for (const attempt of attempts) {
      const e = await providerFailure(withRetry(attempt, { retries: 2, baseMs: 10 }));
      expect(e).toMatchObject({ status: 401, transient: false });
      expect(e.message).toContain('unauthorized_client');
      expect(e.message).toContain('Admin console');
      expect(e.message).toContain('Domain-wide delegation');
      expect(e.message).toContain(`client ID ${(JSON.parse(key) as { client_id: string }).client_id}`);
      for (const scope of PROVIDER_SCOPES) expect(e.message).toContain(scope);
      expect(e.message).not.toContain(keyLine(account));
      expect(JSON.stringify(e)).not.toContain(keyLine(account));
    }
    expect(Object.keys(w.emulator.counters.snapshot())).toEqual(['POST /token']);
    expect(statusIn(w, 'u2')).toBe('active');
  });
});
