import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTRACT_PROBE_HEADER, ExchangeLog } from '../../src/emulator/exchanges.js';
import type { Reply } from '../../src/emulator/http.js';
import { RouteTable, type Route } from '../../src/emulator/routes.js';
import { DROP_CONNECTION, startEmulatorServer, type Answer, type EmulatorRequest, type EmulatorServer } from '../../src/emulator/server.js';
import { serverCertificate } from '../../src/emulator/tls.js';

class ApiError extends Error {
  constructor(readonly status: number) {
    super(`api error ${status}`);
  }
}

interface TestRoute extends Route {
  handle(req: EmulatorRequest<TestRoute>): Answer;
}

const ROUTES: TestRoute[] = [
  {
    method: 'GET',
    path: '/things/{id}',
    handle: (req) => ({ status: 200, body: { id: req.params['id'], q: req.url.searchParams.get('q'), path: req.path }, headers: { ETag: '"1"' } }),
  },
  { method: 'POST', path: '/things', handle: (req) => ({ status: 201, body: JSON.parse(req.body) as unknown }) },
  { method: 'DELETE', path: '/things/{id}', handle: () => ({ status: 204 }) },
  {
    method: 'GET',
    path: '/refused',
    handle: () => {
      throw new ApiError(409);
    },
  },
  {
    method: 'GET',
    path: '/broken',
    handle: () => {
      throw new Error('bug in the emulator');
    },
  },
  { method: 'GET', path: '/drop', handle: () => DROP_CONNECTION },
];

const servers: EmulatorServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(extra: { basePath?: string; latencyMs?: number; tls?: { keyPem: string; certPem: string }; exchanges?: ExchangeLog } = {}): Promise<EmulatorServer> {
  const server = await startEmulatorServer<TestRoute>({
    ...extra,
    routes: new RouteTable(ROUTES),
    contentType: 'application/test+json',
    headers: { 'Cache-Control': 'no-cache' },
    renderError: (status, detail) => ({ contentType: 'application/problem+json', body: JSON.stringify({ status, detail }) }),
    answer: (req) => (req.route ? req.route.handle(req) : { status: req.otherMethod ? 405 : 404, body: { template: req.template } }),
    errorReply: (e): Reply | undefined => (e instanceof ApiError ? { status: e.status, body: { error: e.message } } : undefined),
  });
  servers.push(server);
  return server;
}

describe('startEmulatorServer', () => {
  it('routes, replies in the API content type with its headers, and counts by template', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const got = await fetch(`${s.url}/things/a%20b?q=1`);
    expect([got.status, got.headers.get('content-type'), got.headers.get('etag'), got.headers.get('cache-control')]).toEqual([
      200,
      'application/test+json',
      '"1"',
      'no-cache',
    ]);
    expect(await got.json()).toEqual({ id: 'a b', q: '1', path: '/things/a%20b' });
    const posted = await fetch(`${s.url}/things`, { method: 'POST', body: '{"n":1}' });
    expect([posted.status, await posted.json()]).toEqual([201, { n: 1 }]);
    const deleted = await fetch(`${s.url}/things/x`, { method: 'DELETE' });
    expect([deleted.status, deleted.headers.get('content-type'), await deleted.text()]).toEqual([204, null, '']);
    expect([(await fetch(`${s.url}/things/x`, { method: 'PUT' })).status, (await fetch(`${s.url}/nowhere`)).status]).toEqual([405, 404]);
    expect(s.counters.snapshot()).toEqual({ 'DELETE /things/{id}': 1, 'GET /nowhere': 1, 'GET /things/{id}': 1, 'POST /things': 1, 'PUT /things/{id}': 1 });
  });

  it("answers the API's errors with errorReply, its own failures with the API's 500, and can drop the connection", async () => {
    const s = await start();
    const refused = await fetch(`${s.url}/refused`);
    expect([refused.status, await refused.json()]).toEqual([409, { error: 'api error 409' }]);
    const broken = await fetch(`${s.url}/broken`);
    expect([broken.status, broken.headers.get('content-type'), await broken.json()]).toEqual([
      500,
      'application/problem+json',
      { status: 500, detail: 'bug in the emulator' },
    ]);
    await expect(fetch(`${s.url}/drop`)).rejects.toThrow();
  });

  it('answers injected faults before the handler, waits out latency, and serves under a base path', async () => {
    const s = await start({ basePath: '/api/v2/', latencyMs: 40 });
    expect(s.url).toBe(`${s.origin}/api/v2`);
    s.faults.set({ rules: [{ path: '/things/{id}', fault: { kind: 'rate_limit', retryAfter: 7 } }] });
    const started = Date.now();
    const limited = await fetch(`${s.url}/things/1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([429, '7', { status: 429, detail: 'Too many requests' }]);
    expect(await (await fetch(`${s.url}/things/1`)).json()).toMatchObject({ path: '/things/1' });
    expect(s.counters.get('GET /things/{id}')).toBe(2);
  });

  it('serves https with the shared certificate, trusted through its CA only', async () => {
    const cert = await serverCertificate();
    expect(await serverCertificate()).toBe(cert);
    const s = await start({ tls: cert });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (ca: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${s.url}/things/1`, { ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await get(cert.caPem)).toBe(200);
    await expect(get('')).rejects.toThrow();
  });

  it('keeps each exchange when asked (not a contract probe): the request without its credentials (headers, OAuth secret fields), the answer, and whether a fault gave it', async () => {
    const exchanges = new ExchangeLog();
    const s = await start({ exchanges, basePath: '/api' });
    await fetch(`${s.url}/things`, { method: 'POST', body: '{"n":1}', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer secret-1' } });
    await fetch(`${s.url}/things/a?q=1&q=2`);
    await fetch(`${s.url}/things/probe`, { headers: { [CONTRACT_PROBE_HEADER]: '1' } });
    await fetch(`${s.url}/things`, { method: 'POST', body: '{"n":2,"refresh_token":"secret-2","inner":[{"access_token":"secret-3"}]}' });
    await fetch(`${s.url}/nowhere`, { method: 'POST', body: 'grant_type=client_credentials&client_secret=secret-4&scope=a' });
    s.faults.set({ rules: [{ method: 'DELETE', fault: { kind: 'rate_limit', retryAfter: 3 } }] });
    await fetch(`${s.url}/things/a`, { method: 'DELETE' });
    await fetch(`${s.url}/things/a`, { method: 'DELETE' });
    await expect(fetch(`${s.url}/drop`)).rejects.toThrow();
    expect(exchanges.exchanges).toEqual([
      {
        method: 'POST',
        path: '/api/things',
        template: '/things',
        query: {},
        requestHeaders: { 'content-type': 'application/json' },
        requestBody: { n: 1 },
        status: 201,
        responseHeaders: { 'content-type': 'application/test+json' },
        responseBody: { n: 1 },
        injected: false,
      },
      expect.objectContaining({
        method: 'GET',
        template: '/things/{id}',
        query: { q: ['1', '2'] },
        status: 200,
        responseHeaders: { 'content-type': 'application/test+json', etag: '"1"' },
      }),
      expect.objectContaining({ method: 'POST', requestBody: { n: 2, refresh_token: '[redacted]', inner: [{ access_token: '[redacted]' }] } }),
      expect.objectContaining({ method: 'POST', status: 404, requestBody: 'grant_type=client_credentials&client_secret=%5Bredacted%5D&scope=a' }),
      expect.objectContaining({
        method: 'DELETE',
        status: 429,
        responseHeaders: { 'content-type': 'application/problem+json', 'retry-after': '3' },
        responseBody: { status: 429, detail: 'Too many requests' },
        injected: true,
      }),
      expect.objectContaining({ method: 'DELETE', status: 204, responseBody: undefined, injected: false }),
    ]);
    for (const secret of ['secret-1', 'secret-2', 'secret-3', 'secret-4']) expect(JSON.stringify(exchanges.exchanges)).not.toContain(secret);
  });
});
