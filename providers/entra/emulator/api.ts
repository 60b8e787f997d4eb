import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { ErrorRenderer, FaultController } from '../../../src/emulator/faults.js';
import type { Reply } from '../../../src/emulator/http.js';
import { RouteTable, type Route } from '../../../src/emulator/routes.js';
import type { Answer, EmulatorRequest } from '../../../src/emulator/server.js';
import { answerBatch } from './batch.js';
import type { DeltaFeed } from './delta.js';
import { GRAPH_ROUTES, type GraphAnswer, type GraphRoute } from './graph-routes.js';
import { identityRoutes, type IdentityPlatform, type IdentityRoute } from './identity.js';
import type { EntraStore } from './store.js';
import { errorBody, faultBody, GraphApiError, type Tokens } from './wire.js';

/**
 * How the tenant answers a request. One server holds the identity platform and Graph:
 * a path below a version segment (`/v1.0`, `/beta`) is Graph, which checks the bearer
 * token, reads the JSON body and runs the route or a JSON batch; any other path is the
 * identity platform's. Graph endpoints are named without the version (`/users/{id}`).
 */
export interface Tenant {
  store: EntraStore;
  identity: IdentityPlatform;
  delta: DeltaFeed;
  pages: Tokens;
  /** The tenant has Entra ID P1/P2, without which signInActivity cannot be read. */
  premium: boolean;
  /** The app holds AuditLog.Read.All, without which signInActivity cannot be read either. */
  auditLogRead: boolean;
  routes: RouteTable<EntraRoute>;
  faults: FaultController;
  counters: RequestCounters;
}

interface BatchRoute extends Route {
  batch: true;
}
export type EntraRoute = GraphRoute | IdentityRoute | BatchRoute;

const VERSIONED = /^\/(v1\.0|beta)(\/.*)?$/;
export const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const graphRoutes = (version: string): EntraRoute[] => [
  { method: '*', path: `/${version}/$batch`, template: '/$batch', batch: true },
  ...GRAPH_ROUTES.map((r) => ({ ...r, path: `/${version}${r.path}`, template: r.path })),
];

export function entraRoutes(identity: IdentityPlatform): RouteTable<EntraRoute> {
  return new RouteTable<EntraRoute>([...graphRoutes('v1.0'), ...graphRoutes('beta'), ...identityRoutes(identity)], (path) => {
    const version = VERSIONED.exec(path);
    return version ? (version[2] ?? '/') : path;
  });
}

export const renderError: ErrorRenderer = (status, detail) => ({ contentType: 'application/json', body: JSON.stringify(faultBody(status, detail)) });

export async function answer(tenant: Tenant, req: EmulatorRequest<EntraRoute>): Promise<Answer> {
  const route = req.route;
  if (!VERSIONED.test(req.path)) {
    if (route && 'identity' in route) return route.identity({ method: req.method, params: req.params, body: req.body, root: req.url.origin });
    return { status: 404, body: { error: 'not_found', error_description: 'AADSTS90027: The requested endpoint was not found.' } };
  }
  const clientRequestId = String(req.headers['client-request-id'] ?? '') || undefined;
  const fail = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({
    status,
    body: errorBody(code, message, clientRequestId),
    ...(headers ? { headers } : {}),
  });
  try {
    tenant.identity.authenticate(req.headers.authorization);
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
    const call = (method: string, url: URL, itemBody: unknown) => graphCall(tenant, method, url, itemBody);
    return answerBatch(
      body,
      { origin: req.url.origin, faults: tenant.faults, counters: tenant.counters, templateOf: (m, p) => tenant.routes.match(m, p).template, call },
      clientRequestId,
    );
  }
  return graphCall(tenant, req.method, req.url, body);
}

/** One Graph request (alone or inside a batch) as status, headers and body. */
function graphCall(tenant: Tenant, method: string, url: URL, body: unknown): GraphAnswer {
  const { route, params } = tenant.routes.match(method, url.pathname);
  try {
    if (!route || !('handle' in route)) throw new GraphApiError(400, 'BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`);
    const { store, delta, pages, premium, auditLogRead } = tenant;
    return route.handle({ params, query: url.searchParams, body, store, delta, pages, root: `${url.origin}/v1.0`, premium, auditLogRead });
  } catch (e) {
    if (!(e instanceof GraphApiError)) throw e;
    return { status: e.status, body: errorBody(e.code, e.message), headers: e.headers };
  }
}
