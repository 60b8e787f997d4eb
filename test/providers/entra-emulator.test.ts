import { createSign, constants, sign } from 'node:crypto';
import { request } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, type EntraEmulator } from '../../providers/entra/emulator/index.js';
import { contractSeed } from './contract.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // Parsed JSON, read loosely by the assertions.
  body: any;
}

/** One HTTPS request trusting the emulator's CA (and nothing else). */
function call(emu: EntraEmulator, method: string, path: string, opts: { token?: string; body?: unknown; form?: string; ca?: string } = {}): Promise<Answer> {
  const url = path.startsWith('https://') ? path : `${emu.url}${path}`;
  const payload = opts.form ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  const headers: Record<string, string> = {};
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  if (payload !== undefined) headers['Content-Type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: opts.ca ?? emu.caPem }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function token(emu: EntraEmulator): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  const a = await call(emu, 'POST', `/${emu.tenantId}/oauth2/v2.0/token`, { form: form.toString() });
  expect(a.status).toBe(200);
  return a.body.access_token as string;
}

describe('entra emulator', () => {
  let emu: EntraEmulator;
  let bearer: string;
  beforeEach(async () => {
    emu = await startEntraEmulator({ seed: contractSeed('entra') });
    bearer = await token(emu);
  });
  afterEach(() => emu.close());

  it('serves TLS with a certificate only its CA vouches for', async () => {
    await expect(call(emu, 'GET', `/${emu.tenantId}/v2.0/.well-known/openid-configuration`, { ca: '' })).rejects.toThrow();
    const a = await call(emu, 'GET', `/${emu.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(a.body.token_endpoint).toBe(`${emu.url}/${emu.tenantId}/oauth2/v2.0/token`);
  });

  it('issues tokens for the client secret only, and Graph answers 401 without a valid bearer token', async () => {
    const bad = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.clientId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' });
    const refused = await call(emu, 'POST', `/${emu.tenantId}/oauth2/v2.0/token`, { form: bad.toString() });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    for (const t of [undefined, 'forged']) {
      const a = await call(emu, 'GET', '/v1.0/users', t ? { token: t } : {});
      expect(a.status).toBe(401);
      expect(a.body.error.code).toBe('InvalidAuthenticationToken');
      expect(Object.keys(a.body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    }
  });

  it('verifies client assertions against the registered certificate', async () => {
    const withCert = await startEntraEmulator({ seed: contractSeed('entra'), clientCertificate: true });
    try {
      const pem = withCert.clientCertificatePem()!;
      const { X509Certificate } = await import('node:crypto');
      const cert = new X509Certificate(pem);
      const aud = `${withCert.url}/${withCert.tenantId}/oauth2/v2.0/token`;
      const assertion = (key: string, claims: object = {}) => {
        const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url') };
        const now = Math.floor(Date.now() / 1000);
        const body = { aud, iss: withCert.clientId, sub: withCert.clientId, exp: now + 600, nbf: now, jti: 'x', ...claims };
        const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
        const sig = sign('sha256', Buffer.from(data), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
        return `${data}.${sig.toString('base64url')}`;
      };
      const form = (jwt: string) =>
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: withCert.clientId,
          scope: 'https://graph.microsoft.com/.default',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        }).toString();
      const ok = await call(withCert, 'POST', `/${withCert.tenantId}/oauth2/v2.0/token`, { form: form(assertion(pem)) });
      expect(ok.status).toBe(200);
      const expired = await call(withCert, 'POST', `/${withCert.tenantId}/oauth2/v2.0/token`, { form: form(assertion(pem, { exp: 1 })) });
      expect(expired.status).toBe(401);
      const tampered = assertion(pem).replace(/\.[^.]+$/, `.${createSign('sha256').update('x').sign(pem).toString('base64url')}`);
      const forged = await call(withCert, 'POST', `/${withCert.tenantId}/oauth2/v2.0/token`, { form: form(tampered) });
      expect(forged.status).toBe(401);
      expect(forged.body.error_codes).toEqual([7000274]);
    } finally {
      await withCert.close();
    }
  });

  it('pages with $top (default 100, at most 999), absolute nextLinks and $select', async () => {
    expect((await call(emu, 'GET', '/v1.0/users?$top=1000', { token: bearer })).status).toBe(400);
    const all = (await call(emu, 'GET', '/v1.0/users', { token: bearer })).body;
    expect(all.value).toHaveLength(7);
    expect(all['@odata.nextLink']).toBeUndefined();
    const ids: string[] = [];
    for (let next: string | undefined = '/v1.0/users?$top=3&$select=id,accountEnabled'; next;) {
      const page: Answer = await call(emu, 'GET', next, { token: bearer });
      for (const u of page.body.value) {
        expect(Object.keys(u).sort()).toEqual(['accountEnabled', 'id']);
        ids.push(u.id);
      }
      next = page.body['@odata.nextLink'];
      if (next) expect(next).toMatch(new RegExp(`^${emu.url}/v1.0/users\\?.*\\$skiptoken=`));
    }
    expect(ids).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
    // A type-cast listing keeps its cast in the nextLink.
    const cast = (await call(emu, 'GET', '/v1.0/groups/g1/members/microsoft.graph.user?$top=1', { token: bearer })).body;
    expect(cast['@odata.nextLink']).toMatch(new RegExp(`^${emu.url}/v1.0/groups/g1/members/microsoft\\.graph\\.user\\?.*\\$skiptoken=`));
  });

  it('answers $ref adds and removes with 400 when already a member, 404 when not', async () => {
    const ref = { '@odata.id': `${emu.url}/v1.0/directoryObjects/u4` };
    expect((await call(emu, 'POST', '/v1.0/groups/g2/members/$ref', { token: bearer, body: ref })).status).toBe(204);
    const again = await call(emu, 'POST', '/v1.0/groups/g2/members/$ref', { token: bearer, body: ref });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/One or more added object references already exist/);
    expect((await call(emu, 'DELETE', '/v1.0/groups/g2/members/u4/$ref', { token: bearer })).status).toBe(204);
    expect((await call(emu, 'DELETE', '/v1.0/groups/g2/members/u4/$ref', { token: bearer })).status).toBe(404);
    expect(emu.observed().groups.find((g) => g.id === 'g2')?.members).toEqual(['u2']);
  });

  it('keeps the password method and deletes the others through their own endpoints', async () => {
    const methods = (await call(emu, 'GET', '/v1.0/users/u1/authentication/methods', { token: bearer })).body.value as { id: string; '@odata.type': string }[];
    const password = methods.find((m) => m['@odata.type'].includes('password'))!;
    expect((await call(emu, 'DELETE', `/v1.0/users/u1/authentication/passwordMethods/${password.id}`, { token: bearer })).status).toBe(400);
    const phone = methods.find((m) => m['@odata.type'].includes('phone'))!;
    expect((await call(emu, 'DELETE', `/v1.0/users/u1/authentication/fido2Methods/${phone.id}`, { token: bearer })).status).toBe(404);
    expect((await call(emu, 'DELETE', `/v1.0/users/u1/authentication/phoneMethods/${phone.id}`, { token: bearer })).status).toBe(204);
    expect(emu.credentials('u1').factors).toBe(1);
  });

  it('answers each request of a $batch on its own, faults included, and refuses more than 20', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users/u1' }));
    expect((await call(emu, 'POST', '/v1.0/$batch', { token: bearer, body: { requests: many } })).status).toBe(400);
    emu.faults.set({ rules: [{ method: 'PATCH', path: '/users/{id}', fault: { kind: 'rate_limit', retryAfter: 9 } }] });
    const requests: { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }[] = ['u1', 'u2', 'u4'].map((u, i) => ({
      id: String(i + 1),
      method: 'PATCH',
      url: `/users/${u}`,
      headers: { 'Content-Type': 'application/json' },
      body: { accountEnabled: false },
    }));
    requests.push({ id: '4', method: 'GET', url: '/users/nobody' });
    const a = await call(emu, 'POST', '/v1.0/$batch', { token: bearer, body: { requests } });
    expect(a.status).toBe(200);
    const byId = new Map(
      (a.body.responses as { id: string; status: number; headers: Record<string, string>; body: { error: { code: string } } }[]).map((r) => [r.id, r]),
    );
    expect(byId.get('1')).toMatchObject({ status: 429, headers: { 'Retry-After': '9' }, body: { error: { code: 'TooManyRequests' } } });
    expect(['2', '3', '4'].map((id) => byId.get(id)?.status)).toEqual([204, 204, 404]);
    expect(
      emu
        .observed()
        .accounts.filter((x) => x.status === 'suspended')
        .map((x) => x.id)
        .sort(),
    ).toEqual(['u2', 'u3', 'u4', 'u5']);
    expect(emu.counters.get('PATCH /users/{id}')).toBe(3);
    expect(emu.counters.get('POST /$batch')).toBe(2);
  });

  it('reports changes through delta: latest links, users changed or removed, members@delta with @removed; 410 once expired', async () => {
    const latest = (await call(emu, 'GET', '/v1.0/groups/delta?$deltatoken=latest&$select=displayName,members', { token: bearer })).body;
    expect(latest.value).toEqual([]);
    const usersLatest = (await call(emu, 'GET', '/v1.0/users/delta?$deltatoken=latest&$select=accountEnabled', { token: bearer })).body;
    emu.mutate.removeMember('g1', 'u2');
    emu.mutate.addMember('g4', 'u7');
    emu.mutate.setEnabled('u1', false);
    emu.mutate.deleteUser('u6');
    emu.mutate.deleteGroup('g3');
    const groups = (await call(emu, 'GET', latest['@odata.deltaLink'], { token: bearer })).body;
    expect(groups.value).toEqual(
      expect.arrayContaining([
        { id: 'g1', displayName: 'Engineering', 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u2', '@removed': { reason: 'deleted' } }] },
        { id: 'g4', displayName: 'Empty', 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u7' }] },
        { id: 'g3', '@removed': { reason: 'changed' } },
      ]),
    );
    expect(groups['@odata.deltaLink']).toBeDefined();
    const users = (await call(emu, 'GET', usersLatest['@odata.deltaLink'], { token: bearer })).body;
    expect(users.value).toEqual([
      { id: 'u1', accountEnabled: false },
      { id: 'u6', '@removed': { reason: 'changed' } },
    ]);
    const quiet = (await call(emu, 'GET', users['@odata.deltaLink'], { token: bearer })).body;
    expect(quiet.value).toEqual([]);
    emu.expireDeltaTokens();
    const gone = await call(emu, 'GET', quiet['@odata.deltaLink'], { token: bearer });
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('syncStateNotFound');
  });

  it('seeds every active user with a session, a permission grant, deletable factors and a licence', async () => {
    expect(emu.credentials('u1')).toEqual({ sessions: 1, tokens: 1, factors: 2 });
    expect(emu.credentials('u3')).toEqual({ sessions: 0, tokens: 0, factors: 0 });
    const grants = await call(emu, 'GET', `/v1.0/oauth2PermissionGrants?$filter=${encodeURIComponent("principalId eq 'u1'")}`, { token: bearer });
    expect(grants.body.value).toHaveLength(1);
    expect((await call(emu, 'POST', '/v1.0/users/u1/revokeSignInSessions', { token: bearer, body: {} })).body.value).toBe(true);
    expect(emu.credentials('u1').sessions).toBe(0);
    expect(emu.user('u3')?.assignedLicenses).toHaveLength(1);
  });
});
