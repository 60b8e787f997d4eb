import { afterEach, describe, expect, it } from 'vitest';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import { contractSeed } from './contract.js';

/** The emulator's own RFC 7644 behaviour, spoken to directly over HTTP. */
const TOKEN = 'emulator-test-token-5678';
let emu: ScimEmulator;
afterEach(() => emu?.close());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}
const ids = (r: { body?: Record<string, any> }) => (r.body?.['Resources'] as { id: string }[]).map((x) => x.id);
const patchOp = (...Operations: object[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });
const filter = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;

describe('scim emulator', () => {
  it('answers 401 with a SCIM error body without the bearer token', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    const res = await fetch(`${emu.url}/Users`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/scim+json');
    expect(await res.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
  });

  it('pages with startIndex and count and caps pages at maxPageSize', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN, maxPageSize: 2 });
    const page = await call('GET', '/Users?startIndex=3&count=5');
    expect(page.body).toMatchObject({ totalResults: 7, startIndex: 3, itemsPerPage: 2 });
    expect(ids(page)).toEqual(['u3', 'u4']);
    expect(ids(await call('GET', '/Users?startIndex=7&count=2'))).toEqual(['u7']);
    expect((await call('GET', '/Users?count=0')).body).toMatchObject({ totalResults: 7, Resources: [] });
  });

  it('filters with eq on userName, id, externalId and emails.value, combined with and/or', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    expect(ids(await call('GET', filter('userName eq "ALICE@acme.com"')))).toEqual(['u1']);
    expect(ids(await call('GET', filter('id eq "u3"')))).toEqual(['u3']);
    expect(ids(await call('GET', filter('id eq "U3"')))).toEqual([]);
    expect(ids(await call('GET', filter('externalId eq "E101"')))).toEqual(['u2']);
    expect(ids(await call('GET', filter('emails.value eq "a.smith@acme.com"')))).toEqual(['u1']);
    expect(ids(await call('GET', filter('active eq false and userName sw "c"')))).toEqual(['u3']);
    expect(ids(await call('GET', filter('userName eq "bob@acme.com" or (id eq "u7" and not (active eq false))')))).toEqual(['u2', 'u7']);
    expect(ids(await call('GET', filter('emails[value ew "smith@acme.com"]')))).toEqual(['u1']);
    const groups = await call('GET', `/Groups?filter=${encodeURIComponent('members.value eq "u2"')}`);
    expect(ids(groups)).toEqual(['g1', 'g2']);
    const bad = await call('GET', filter('userName eq'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('patches group members by add, value filter remove, replace, and reports noTarget', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    await call('PATCH', '/Groups/g2', patchOp({ op: 'add', path: 'members', value: [{ value: 'u6' }, { value: 'u2' }] }));
    expect(emu.observed().groups.find((g) => g.id === 'g2')?.members).toEqual(['u2', 'u6']);
    await call('PATCH', '/Groups/g2', patchOp({ op: 'remove', path: 'members[value eq "u2"]' }));
    expect(emu.observed().groups.find((g) => g.id === 'g2')?.members).toEqual(['u6']);
    const none = await call('PATCH', '/Groups/g2', patchOp({ op: 'remove', path: 'members[value eq "u2"]' }));
    expect(none.body).toMatchObject({ status: '400', scimType: 'noTarget' });
    await call('PATCH', '/Groups/g2', patchOp({ op: 'replace', path: 'members', value: [{ value: 'u1' }] }));
    expect(emu.observed().groups.find((g) => g.id === 'g2')?.members).toEqual(['u1']);
    const unknown = await call('PATCH', '/Groups/g2', patchOp({ op: 'add', path: 'members', value: [{ value: 'nobody' }] }));
    expect(unknown.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    await call('PATCH', '/Groups/g2', patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }));
    expect(emu.observed().groups.find((g) => g.id === 'g2')?.members).toEqual([]);
  });

  it('patches users with and without a path; an invalid type is refused', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    await call('PATCH', '/Users/u1', patchOp({ op: 'replace', value: { active: false, displayName: 'Alice' } }));
    expect(emu.observed().accounts.find((a) => a.id === 'u1')).toMatchObject({ status: 'suspended', displayName: 'Alice' });
    const bad = await call('PATCH', '/Users/u1', patchOp({ op: 'replace', path: 'active', value: 'yes' }));
    expect(bad.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const missing = await call('PATCH', '/Users/nope', patchOp({ op: 'replace', path: 'active', value: false }));
    expect(missing.status).toBe(404);
  });

  it('creates, replaces and deletes users; deleting removes memberships; userName is unique', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    const created = await call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'heidi@acme.com' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${emu.url}/Users/${created.body?.['id']}`);
    expect((await call('POST', '/Users', { userName: 'HEIDI@acme.com' })).body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const put = await call('PUT', '/Users/u2', { userName: 'bob@acme.com', active: false });
    expect(put.body).toMatchObject({ id: 'u2', active: false });
    expect((await call('DELETE', '/Users/u2')).status).toBe(204);
    expect((await call('DELETE', '/Users/u2')).status).toBe(404);
    expect(emu.observed().groups.flatMap((g) => g.members)).not.toContain('u2');
  });

  it('versions resources with ETags and refuses a stale If-Match with 412', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN, etags: true });
    const read = await call('GET', '/Users/u1');
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"\d+"$/);
    expect(read.body?.['meta']).toMatchObject({ version: etag, resourceType: 'User' });
    expect((await call('GET', '/Users/u1', undefined, { 'If-None-Match': etag })).status).toBe(304);
    const ok = await call('PATCH', '/Users/u1', patchOp({ op: 'replace', path: 'displayName', value: 'A' }), { 'If-Match': etag });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(etag);
    const stale = await call('PATCH', '/Users/u1', patchOp({ op: 'replace', path: 'displayName', value: 'B' }), { 'If-Match': etag });
    expect(stale.status).toBe(412);
    const same = await call('PATCH', '/Users/u1', patchOp({ op: 'replace', path: 'displayName', value: 'A' }), { 'If-Match': '*' });
    expect(same.headers.get('etag')).toBe(ok.headers.get('etag'));
  });

  it('serves ServiceProviderConfig and POST .search', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN, etags: true });
    expect((await call('GET', '/ServiceProviderConfig')).body).toMatchObject({ patch: { supported: true }, etag: { supported: true } });
    const found = await call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'active eq false',
      startIndex: 2,
      count: 5,
    });
    expect(ids(found)).toEqual(['u5']);
    expect(emu.counters.get('POST /Users/.search')).toBe(1);
  });

  it('injects faults deterministically and counts every request', async () => {
    emu = await startScimEmulator({ seed: contractSeed('scim'), token: TOKEN });
    emu.faults.set({ rules: [{ method: 'GET', path: '/Users/{id}', fault: { kind: 'server_error', status: 502 }, fraction: 0.5 }] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', '/Users/u1')).status);
    expect(statuses).toEqual([200, 502, 200, 502]);
    expect((await call('GET', '/Users')).status).toBe(200);
    expect(emu.counters.snapshot()).toEqual({ 'GET /Users': 1, 'GET /Users/{id}': 4 });
    emu.faults.set({ rules: [{ fault: { kind: 'reset' }, times: 2 }] });
    await expect(call('GET', '/Users')).rejects.toThrow();
    await expect(call('GET', '/Users')).rejects.toThrow();
    expect((await call('GET', '/Users')).status).toBe(200);
    expect(emu.faults.injected).toBe(4);
  });

  it('keeps the last sign-in in an extension and reports it through observed state', async () => {
    const seed = contractSeed('scim');
    seed.accounts[0] = { ...seed.accounts[0]!, lastLoginAt: '2026-10-01T09:00:00Z', createdAt: '2025-01-01T00:00:00Z' };
    emu = await startScimEmulator({ seed, token: TOKEN });
    const user = await call('GET', '/Users/u1');
    expect(user.body?.['urn:lockstep:params:scim:schemas:extension:activity:2.0:User']).toEqual({ lastLogin: '2026-10-01T09:00:00Z' });
    expect(user.body?.['meta']).toMatchObject({ created: '2025-01-01T00:00:00Z' });
    expect(user.body?.['schemas']).toContain('urn:lockstep:params:scim:schemas:extension:activity:2.0:User');
  });
});
