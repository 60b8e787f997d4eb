import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer, type Fault } from '../../src/emulator/faults.js';
import { readBody } from '../../src/emulator/http.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { DeltaFeed } from './emulator-delta.js';
import { GRAPH_ROUTES, matchRoute, type GraphAnswer } from './emulator-graph.js';
import { IdentityPlatform } from './emulator-identity.js';
import { EntraStore, type User } from './emulator-store.js';
import { makeClientCertificate, makeServerCertificates } from './emulator-tls.js';
import { errorBody, GraphApiError, sendJson, Tokens } from './emulator-wire.js';

/**
 * Microsoft Entra for the subset Lockstep uses, over TLS: the identity platform's token
 * endpoint (client secret or certificate assertion) and Microsoft Graph v1.0 (users,
 * groups, members, delta queries, authentication methods, permission grants, licences,
 * JSON `$batch`). Faults apply to single requests and to each request inside a batch.
 */
export interface EntraEmulatorOptions {
  /** Initial users and groups; every active user gets a session, a permission grant and two MFA methods. */
  seed?: ObservedProvider;
  /** 0 (the default) picks a free port. Listens on 127.0.0.1 only. */
  port?: number;
  tenantId?: string;
  clientId?: string;
  /** The app's client secret (default: generated). */
  clientSecret?: string;
  /** Register a generated client certificate as well; `clientCertificatePem` returns it with its key. */
  clientCertificate?: boolean;
  /** Added to every request, for benchmarks. */
  latencyMs?: number;
  /** The tenant has Entra ID P1/P2 (default true); without it, reading signInActivity answers 403. */
  premium?: boolean;
}

/** Changes made behind the provider's back, for delta tests and benchmarks. */
export interface EntraMutations {
  addUser(u: { id?: string; userPrincipalName: string; accountEnabled?: boolean; employeeId?: string | null }): string;
  setEnabled(id: string, enabled: boolean): void;
  deleteUser(id: string): void;
  addGroup(id: string, displayName: string, members?: string[]): void;
  deleteGroup(id: string): void;
  addMember(groupId: string, userId: string): void;
  removeMember(groupId: string, userId: string): void;
}

export interface EntraEmulator {
  /** Graph's root (give it as `graphUrl`) and the sign-in host (`authorityHost`): one server. */
  readonly url: string;
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The CA certificate (PEM) the server's certificate chains to: write it to a `caFile`. */
  readonly caPem: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: EntraStore;
  readonly mutate: EntraMutations;
  /** The registered client certificate with its private key (PEM), or null. */
  clientCertificatePem(): string | null;
  observed(): ObservedProvider;
  /** Sessions, delegated permission grants, and deletable authentication methods of one user. */
  credentials(id: string): { sessions: number; tokens: number; factors: number };
  /** A user as Graph holds it, or as it was when deleted. */
  user(id: string): User | undefined;
  /** Every delta token issued so far answers 410 Gone from now on. */
  expireDeltaTokens(): void;
  accessTokens(): string[];
  close(): Promise<void>;
}

export const MAX_BATCH = 20;
const IDENTITY = {
  openid: '/{tenant}/v2.0/.well-known/openid-configuration',
  token: '/{tenant}/oauth2/v2.0/token',
  discovery: '/common/discovery/instance',
};

const FAULT_CODES: Record<number, string> = { 429: 'TooManyRequests', 500: 'generalException', 502: 'BadGateway', 503: 'serviceNotAvailable', 504: 'GatewayTimeout' };
const renderFault: ErrorRenderer = (status, detail) => ({
  contentType: 'application/json',
  body: JSON.stringify(errorBody(FAULT_CODES[status] ?? 'generalException', detail)),
});

export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const tls = await makeServerCertificates();
  const clientCert = options.clientCertificate ? await makeClientCertificate('lockstep-app') : null;
  const store = new EntraStore(options.seed);
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = options.clientId ?? '9f5c1b7e-3c1a-4c55-8d7a-1e2f3a4b5c6d';
  const clientSecret = options.clientSecret ?? `Lk8Q~${randomBytes(27).toString('base64url')}`;
  const identity = new IdentityPlatform(tenantId, [{ clientId, secrets: [clientSecret], certificates: clientCert ? [clientCert.cert] : [] }]);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const delta = new DeltaFeed(store);
  const pages = new Tokens();
  let root = '';

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody('generalException', e instanceof Error ? e.message : 'Internal error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  root = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function route(method: string, path: string) {
    const version = /^\/(v1\.0|beta)(\/.*)?$/.exec(path);
    if (version) {
      const rest = version[2] ?? '/';
      if (rest === '/$batch') return { graph: true, template: '/$batch', params: {} };
      return { graph: true, ...matchRoute(GRAPH_ROUTES, method, rest) };
    }
    if (path === IDENTITY.discovery) return { graph: false, template: IDENTITY.discovery, params: {} };
    const m = /^\/([^/]+)(\/v2\.0\/\.well-known\/openid-configuration|\/oauth2\/v2\.0\/token)$/.exec(path);
    if (m) return { graph: false, template: m[2]!.includes('token') ? IDENTITY.token : IDENTITY.openid, params: { tenant: m[1]! } };
    return { graph: false, template: path, params: {} };
  }

  /** One Graph request (alone or inside a batch) as status, headers and body. */
  function graphCall(method: string, url: URL, body: unknown): GraphAnswer {
    const { route: r, params } = matchRoute(GRAPH_ROUTES, method, url.pathname.replace(/^\/(v1\.0|beta)/, ''));
    try {
      if (!r) throw new GraphApiError(400, 'BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`);
      return r.handle({ params, query: url.searchParams, body, store, delta, pages, root: `${root}/v1.0`, premium: options.premium !== false });
    } catch (e) {
      if (!(e instanceof GraphApiError)) throw e;
      return { status: e.status, body: errorBody(e.code, e.message), headers: e.headers };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', root);
    const method = (req.method ?? 'GET').toUpperCase();
    const { graph, template, params } = route(method, url.pathname);
    if (options.latencyMs) await sleep(options.latencyMs);
    if (await interceptFaults(req, res, { method, template, path: url.pathname }, { faults, counters }, renderFault)) return;
    const text = await readBody(req);
    const clientRequestId = String(req.headers['client-request-id'] ?? '') || undefined;
    if (!graph) return identityEndpoint(res, method, template, params['tenant'] ?? '', text);
    try {
      identity.authenticate(req.headers.authorization);
    } catch (e) {
      const err = e as GraphApiError;
      return sendJson(res, 401, errorBody(err.code, err.message, clientRequestId), { 'WWW-Authenticate': 'Bearer realm=""' });
    }
    let body: unknown;
    try {
      body = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      return sendJson(res, 400, errorBody('BadRequest', 'Unable to read JSON request payload.', clientRequestId));
    }
    if (template === '/$batch') {
      if (method !== 'POST') return sendJson(res, 405, errorBody('BadRequest', 'Specified HTTP method is not allowed for the request uri.', clientRequestId));
      return batch(req, res, body, clientRequestId);
    }
    const answer = graphCall(method, url, body);
    sendJson(res, answer.status, answer.body, answer.headers);
  }

  function identityEndpoint(res: ServerResponse, method: string, template: string, tenant: string, text: string): void {
    const tenantKnown = identity.knowsTenant(tenant) || tenant === 'organizations' || tenant === 'common';
    if (template === IDENTITY.discovery) {
      const host = new URL(root).host;
      return sendJson(res, 200, { tenant_discovery_endpoint: `${root}/${tenantId}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }] });
    }
    if (template !== IDENTITY.openid && template !== IDENTITY.token) return sendJson(res, 404, { error: 'not_found', error_description: 'AADSTS90027: The requested endpoint was not found.' });
    if (!tenantKnown) return sendJson(res, 400, { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.`, error_codes: [90002] });
    if (template === IDENTITY.openid) return sendJson(res, 200, identity.openIdConfiguration(root, tenant));
    if (method !== 'POST') return sendJson(res, 405, { error: 'invalid_request', error_description: 'AADSTS900561: The endpoint only accepts POST requests.' });
    const answer = identity.token(text, `${root}/${tenant}/oauth2/v2.0/token`);
    sendJson(res, answer.status, answer.body, { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
  }

  /** JSON batching (https://learn.microsoft.com/graph/json-batching): each request answered on its own. */
  async function batch(req: IncomingMessage, res: ServerResponse, body: unknown, clientRequestId: string | undefined): Promise<void> {
    const requests = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return sendJson(res, 400, errorBody('BadRequest', 'Invalid batch payload format.', clientRequestId));
    if (requests.length > MAX_BATCH) return sendJson(res, 400, errorBody('BadRequest', `Limit of ${MAX_BATCH} requests per batch exceeded.`, clientRequestId));
    const ids = new Set<string>();
    const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
    let dropConnection = false;
    const items = (requests as { id?: unknown; method?: unknown; url?: unknown; body?: unknown }[]).map((raw) => {
      const id = String(raw.id ?? '');
      if (!id || ids.has(id) || typeof raw.method !== 'string' || typeof raw.url !== 'string') return null;
      ids.add(id);
      const method = raw.method.toUpperCase();
      const url = new URL(`/v1.0/${raw.url.replace(/^\//, '')}`, root);
      const { template } = route(method, url.pathname);
      return { id, method, url, template, body: raw.body };
    });
    if (items.some((i) => i === null)) {
      return sendJson(res, 400, errorBody('BadRequest', 'Invalid batch payload format: every request needs a unique id, a method and a url.', clientRequestId));
    }
    // Requests without dependsOn run in parallel in Graph: their latencies overlap.
    const decided = items.map((item) => {
      counters.hit(item!.method, item!.template);
      return { ...item!, ...faults.decide({ method: item!.method, template: item!.template, path: item!.url.pathname }) };
    });
    const latencyMs = Math.max(0, ...decided.map((d) => d.latencyMs));
    if (latencyMs > 0) await sleep(latencyMs);
    for (const { id, method, url, body: requestBody, rule } of decided) {
      if (rule && !rule.afterEffect) {
        if (rule.fault.kind === 'reset') dropConnection = true;
        else responses.push({ id, ...faultAnswer(rule.fault) });
        continue;
      }
      const answer = graphCall(method, url, requestBody);
      if (rule?.fault.kind === 'reset') dropConnection = true;
      const final = rule ? faultAnswer(rule.fault) : answer;
      responses.push({ id, status: final.status, headers: { ...(final.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...final.headers }, ...(final.body !== undefined ? { body: final.body } : {}) });
    }
    if (dropConnection) {
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, { responses });
  }

  const mutate: EntraMutations = {
    addUser: (u) => store.addUser({ ...u, userPrincipalName: u.userPrincipalName }).id,
    setEnabled: (id, enabled) => store.updateUser(id, { accountEnabled: enabled }),
    deleteUser: (id) => store.deleteUser(id),
    addGroup: (id, name, members = []) => void store.addGroup(id, name, members),
    deleteGroup: (id) => store.deleteGroup(id),
    addMember: (g, u) => store.addMember(g, u),
    removeMember: (g, u) => store.removeMember(g, u),
  };

  return {
    url: root,
    authorityHost: root,
    tenantId,
    clientId,
    clientSecret,
    caPem: tls.caPem,
    faults,
    counters,
    store,
    mutate,
    clientCertificatePem: () => clientCert?.pem ?? null,
    observed: () => store.observed(),
    credentials: (id) => store.credentials(id),
    user: (id) => store.users.get(id) ?? store.deletedUsers.get(id),
    expireDeltaTokens: () => delta.expire(),
    accessTokens: () => identity.accessTokens(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function faultAnswer(fault: Fault): { status: number; headers: Record<string, string>; body: unknown } {
  const status = fault.kind === 'rate_limit' ? 429 : fault.kind === 'server_error' ? (fault.status ?? 500) : 500;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (fault.kind !== 'reset' && fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  const detail = status === 429 ? 'Too many requests' : 'Service unavailable (injected fault)';
  return { status, headers, body: errorBody(FAULT_CODES[status] ?? 'generalException', detail) };
}

