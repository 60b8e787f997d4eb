import { randomBytes } from 'node:crypto';
import { RequestCounters } from '../../../src/emulator/counters.js';
import { FaultController } from '../../../src/emulator/faults.js';
import type { Reply } from '../../../src/emulator/http.js';
import { RouteTable, type Route } from '../../../src/emulator/routes.js';
import { startEmulatorServer, type Answer, type EmulatorRequest } from '../../../src/emulator/server.js';
import { clientCertificate, serverCertificate } from '../../../src/emulator/tls.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import { answerBatch } from './batch.js';
import { DeltaFeed } from './delta.js';
import { GRAPH_ROUTES, type GraphAnswer, type GraphRoute } from './graph-routes.js';
import { IdentityPlatform, identityRoutes, type IdentityRoute } from './identity.js';
import { EntraStore, type User } from './store.js';
import { errorBody, faultBody, GraphApiError, Tokens } from './wire.js';

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

interface BatchRoute extends Route {
  batch: true;
}
type EntraRoute = GraphRoute | IdentityRoute | BatchRoute;

/** A Graph path: below a version segment; its endpoint is named without it (`/users/{id}`). */
const VERSIONED = /^\/(v1\.0|beta)(\/.*)?$/;
const graphRoutes = (version: string): EntraRoute[] => [
  { method: '*', path: `/${version}/$batch`, template: '/$batch', batch: true },
  ...GRAPH_ROUTES.map((r) => ({ ...r, path: `/${version}${r.path}`, template: r.path })),
];
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const tls = await serverCertificate();
  const clientCert = options.clientCertificate ? await clientCertificate('lockstep-app') : null;
  const store = new EntraStore(options.seed);
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = options.clientId ?? '9f5c1b7e-3c1a-4c55-8d7a-1e2f3a4b5c6d';
  const clientSecret = options.clientSecret ?? `Lk8Q~${randomBytes(27).toString('base64url')}`;
  const identity = new IdentityPlatform(tenantId, [{ clientId, secrets: [clientSecret], certificates: clientCert ? [clientCert.certPem] : [] }]);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const delta = new DeltaFeed(store);
  const pages = new Tokens();
  const routes = new RouteTable<EntraRoute>([...graphRoutes('v1.0'), ...graphRoutes('beta'), ...identityRoutes(identity)], (path) => {
    const version = VERSIONED.exec(path);
    return version ? (version[2] ?? '/') : path;
  });

  /** One Graph request (alone or inside a batch) as status, headers and body. */
  function graphCall(method: string, url: URL, body: unknown): GraphAnswer {
    const { route, params } = routes.match(method, url.pathname);
    try {
      if (!route || !('handle' in route)) throw new GraphApiError(400, 'BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`);
      return route.handle({ params, query: url.searchParams, body, store, delta, pages, root: `${url.origin}/v1.0`, premium: options.premium !== false });
    } catch (e) {
      if (!(e instanceof GraphApiError)) throw e;
      return { status: e.status, body: errorBody(e.code, e.message), headers: e.headers };
    }
  }

  async function answer(req: EmulatorRequest<EntraRoute>): Promise<Answer> {
    const route = req.route;
    if (!VERSIONED.test(req.path)) {
      if (route && 'identity' in route) return route.identity({ method: req.method, params: req.params, body: req.body, root: req.url.origin });
      return { status: 404, body: { error: 'not_found', error_description: 'AADSTS90027: The requested endpoint was not found.' } };
    }
    const clientRequestId = String(req.headers['client-request-id'] ?? '') || undefined;
    const fail = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({ status, body: errorBody(code, message, clientRequestId), ...(headers ? { headers } : {}) });
    try {
      identity.authenticate(req.headers.authorization);
    } catch (e) {
      const err = e as GraphApiError;
      return fail(401, err.code, err.message, { 'WWW-Authenticate': 'Bearer realm=""' });
    }
    let body: unknown;
    try {
      body = req.body.trim() ? JSON.parse(req.body) : undefined;
    } catch {
      return fail(400, 'BadRequest', 'Unable to read JSON request payload.');
    }
    if (route && 'batch' in route) {
      if (req.method !== 'POST') return fail(405, 'BadRequest', 'Specified HTTP method is not allowed for the request uri.');
      return answerBatch(body, { origin: req.url.origin, faults, counters, templateOf: (m, p) => routes.match(m, p).template, call: graphCall }, clientRequestId);
    }
    return graphCall(req.method, req.url, body);
  }

  const server = await startEmulatorServer({
    port: options.port,
    tls,
    routes,
    latencyMs: options.latencyMs,
    faults,
    counters,
    contentType: JSON_TYPE,
    renderError: (status, detail) => ({ contentType: 'application/json', body: JSON.stringify(faultBody(status, detail)) }),
    answer,
  });

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
    url: server.url,
    authorityHost: server.url,
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
    close: () => server.close(),
  };
}
