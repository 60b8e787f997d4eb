import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedProvider } from '../../src/types/index.js';
import { startScimEmulator, type ScimEmulator, type ScimEmulatorOptions } from '../../providers/scim/emulator/index.js';
import { scimModule, type ScimProvider } from '../../providers/scim/index.js';
import { SCIM_URN } from '../../providers/scim/schema.js';
import { aChange, account, group } from './changes.js';
import { contractSeed } from './contract.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('scim');

/**
 * SCIM 2.0 behaviours (RFC 7644) the resource definitions do not show, each reproduced by
 * the emulator and handled by the provider.
 */

const TOKEN = 'behaviour-test-token-3456';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function emulator(options: ScimEmulatorOptions = {}): Promise<ScimEmulator> {
  const emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN, exchanges, ...options });
  closers.push(() => emu.close());
  return emu;
}

const provider = (url: string, extra: Record<string, unknown> = {}): ScimProvider =>
  scimModule.create({ type: 'scim', baseUrl: url, token: '${env:SCIM_TOKEN}', ...extra }, providerContext('app', { SCIM_TOKEN: TOKEN })) as ScimProvider;

async function call(emu: ScimEmulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/scim+json', ...(body ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined };
}

const ids = (body: Record<string, unknown> | undefined) => ((body?.['Resources'] as { id: string }[] | undefined) ?? []).map((r) => r.id).sort();

function users(n: number): ObservedProvider {
  const accounts = Array.from({ length: n }, (_, i) => ({ id: `u${String(i + 1).padStart(2, '0')}`, login: `user${i + 1}@acme.com`, status: 'active' as const }));
  return { type: 'scim', accounts, groups: [] };
}

// RFC 7644 §3.4.2.2: attribute names and operators are case-insensitive; string values are
// JSON strings (with their escapes); `and` binds tighter than `or`; `pr`, `co`, `sw`, value
// paths; attributes of an extension are named with its schema URN (§3.10).
describe('filters', () => {
  it('the emulator evaluates the filter grammar: operators and names in any case, escapes, value paths and URN paths', async () => {
    const emu = await emulator();
    const created = await call(emu, 'POST', '/Users', {
      schemas: [SCIM_URN.user, SCIM_URN.enterpriseUser],
      userName: 'o"brien\\ops@acme.com',
      [SCIM_URN.enterpriseUser]: { employeeNumber: 'E-7' },
    });
    expect(created.status).toBe(201);
    const newId = String(created.body!['id']);
    const filter = async (expression: string) => {
      const res = await call(emu, 'GET', `/Users?filter=${encodeURIComponent(expression)}`);
      expect(res.status, expression).toBe(200);
      return ids(res.body);
    };
    expect(await filter('userName eq "bob@acme.com"')).toEqual(['u2']);
    expect(await filter('USERNAME EQ "BOB@ACME.COM"')).toEqual(['u2']);
    expect(await filter('userName sw "a" Or userName sw "b"')).toEqual(['u1', 'u2']);
    expect(await filter('userName sw "a" or userName sw "b" and externalId pr')).toEqual(['u1', 'u2']);
    expect(await filter('emails co "smith"')).toEqual(['u1']);
    expect(await filter('externalId PR and userName sw "A"')).toEqual(['u1']);
    expect(await filter('emails[value co "smith"]')).toEqual(['u1']);
    expect(await filter('not (userName sw "a") and externalId pr')).toEqual(['u2']);
    expect(await filter(`${SCIM_URN.user}:userName eq "carol@acme.com"`)).toEqual(['u3']);
    expect(await filter(`${SCIM_URN.enterpriseUser}:employeeNumber eq "E-7"`)).toEqual([newId]);
    expect(await filter('userName eq "o\\"brien\\\\ops@acme.com"')).toEqual([newId]);
    const bad = await call(emu, 'GET', `/Users?filter=${encodeURIComponent('userName eq "unterminated')}`);
    expect(bad.status).toBe(400);
    expect(bad.body!['scimType']).toBe('invalidFilter');
  });

  it('quotes and escapes the values of its own filters: a user name with quotes and backslashes is found, and cannot widen the filter', async () => {
    const emu = await emulator();
    const created = await call(emu, 'POST', '/Users', { schemas: [SCIM_URN.user], userName: 'o"brien\\ops@acme.com' });
    const p = provider(emu.url);
    expect((await p.findUser('o"brien\\ops@acme.com'))?.id).toBe(created.body!['id']);
    expect(await p.findUser('x" or userName pr or userName eq "y')).toBeNull();
  });
});

// RFC 7644 §3.4.2.4: startIndex is 1-based; a service may return fewer resources than
// `count` asks for, and some ignore `count` altogether. Only what came back counts.
describe('paging', () => {
  it('the emulator can ignore count: pages of its own size, or everything at once', async () => {
    const fixed = await emulator({ seed: users(12), ignoreCount: true, maxPageSize: 5 });
    const page = await call(fixed, 'GET', '/Users?startIndex=1&count=3');
    expect(page.body).toMatchObject({ totalResults: 12, startIndex: 1, itemsPerPage: 5 });
    const everything = await emulator({ seed: users(12), ignoreCount: true });
    expect((await call(everything, 'GET', '/Users?startIndex=1&count=3')).body).toMatchObject({ totalResults: 12, itemsPerPage: 12 });
  });

  it('pages by what it received: bigger pages than asked, or everything at once, are read in as few requests', async () => {
    const bigger = await emulator({ seed: users(23), ignoreCount: true, maxPageSize: 5 });
    expect((await provider(bigger.url, { pageSize: 3 }).observe()).accounts).toHaveLength(23);
    expect(bigger.counters.get('GET /Users')).toBe(5);
    const everything = await emulator({ seed: users(23), ignoreCount: true });
    expect((await provider(everything.url, { pageSize: 3 }).observe()).accounts).toHaveLength(23);
    expect(everything.counters.get('GET /Users')).toBe(1);
  });

  it('lists again from the first page when the service changes while paging, so that no user is skipped or kept after deletion', async () => {
    const emu = await emulator({ seed: users(23) });
    emu.faults.set({ latency: { method: 'GET', path: '/Users', ms: 80 } });
    const observing = provider(emu.url, { pageSize: 3 }).observe();
    // The second page is on its way when a user of the first one is deleted: every later index shifts.
    while (emu.counters.get('GET /Users') < 2) await new Promise((r) => setTimeout(r, 5));
    emu.store.delete('Users', 'u01');
    const observed = await observing;
    expect(observed.accounts.map((a) => a.id).sort()).toEqual(
      users(23)
        .accounts.map((a) => a.id)
        .filter((id) => id !== 'u01'),
    );
  });
});

// RFC 7644 §3.5.2.2: remove with a value filter in the path, `members[value eq "id"]`, removes
// the matching values only; a filter that matches nothing is 400 noTarget (§3.12).
describe('member removal by value filter', () => {
  const odd = 'ext"7\\b';
  const seed: ObservedProvider = {
    type: 'scim',
    accounts: [
      { id: 'u1', login: 'alice@acme.com', status: 'active' },
      { id: odd, login: 'odd@acme.com', status: 'active' },
    ],
    groups: [{ id: 'g1', name: 'Engineering', members: ['u1', odd] }],
  };

  it('the emulator removes only the matching member, reads the path in any case, and answers noTarget when nothing matches', async () => {
    const emu = await emulator({ seed });
    const patch = (path: string) => call(emu, 'PATCH', '/Groups/g1', { schemas: [SCIM_URN.patchOp], Operations: [{ op: 'remove', path }] });
    expect((await patch('MEMBERS[VALUE EQ "u1"]')).status).toBe(200);
    expect(emu.observed().groups[0]?.members).toEqual([odd]);
    const none = await patch('members[value eq "u1"]');
    expect(none.status).toBe(400);
    expect(none.body!['scimType']).toBe('noTarget');
  });

  it('removes a member whose id holds quotes and backslashes, leaving the others; again is already done', async () => {
    const emu = await emulator({ seed });
    const p = provider(emu.url);
    const change = aChange('app', 'remove_member', { account: account(odd), group: group('g1') });
    expect((await p.apply(change)).result).toBe('ok');
    expect(emu.observed().groups[0]?.members).toEqual(['u1']);
    expect((await p.apply(change)).result).toBe('already');
  });
});

// RFC 7644 §3.14 and RFC 7643 §5 (ServiceProviderConfig `etag.supported`): If-Match is for
// services that offer entity tags; a version that is no entity tag cannot match (RFC 7232 §3.1).
describe('entity tags', () => {
  it('the emulator can show versions without entity tags: etag.supported is false and any If-Match fails 412', async () => {
    const emu = await emulator({ versionsWithoutETags: true });
    expect((await call(emu, 'GET', '/ServiceProviderConfig')).body).toMatchObject({ etag: { supported: false } });
    const user = await call(emu, 'GET', '/Users/u2');
    const version = (user.body!['meta'] as { version?: string }).version;
    expect(version).toEqual(expect.any(String));
    const body = { schemas: [SCIM_URN.patchOp], Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await call(emu, 'PATCH', '/Users/u2', body, { 'If-Match': version! })).status).toBe(412);
  });

  it('sends If-Match only where ServiceProviderConfig offers entity tags', async () => {
    const without = await emulator({ versionsWithoutETags: true });
    const p = provider(without.url);
    expect((await p.apply(aChange('app', 'suspend', { account: account('u2', 'bob@acme.com') }))).result).toBe('ok');
    expect((await p.apply(aChange('app', 'delete', { account: account('u2', 'bob@acme.com') }))).result).toBe('ok');
    expect(without.observed().accounts.map((a) => a.id)).not.toContain('u2');
    expect(without.counters.get('GET /ServiceProviderConfig')).toBe(1);

    // With entity tags, a write made on a stale version is refused 412, read again and retried once.
    const withTags = await emulator({ etags: true });
    withTags.faults.set({ latency: { ms: 150, method: 'PATCH', path: '/Users/{id}' } });
    const applying = provider(withTags.url).apply(aChange('app', 'suspend', { account: account('u2', 'bob@acme.com') }));
    while (withTags.counters.get('PATCH /Users/{id}') === 0) await new Promise((r) => setTimeout(r, 5));
    withTags.store.patch('Users', 'u2', { schemas: [SCIM_URN.patchOp], Operations: [{ op: 'replace', path: 'displayName', value: 'Bob' }] });
    expect((await applying).result).toBe('ok');
    expect(withTags.counters.get('PATCH /Users/{id}')).toBe(2);
  });
});
