import type { ExchangeLog } from '../../../src/emulator/exchanges.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { FaultController } from '../../../src/emulator/faults.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer, type EmulatorRequest } from '../../../src/emulator/server.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import { errorBody, SCIM_CONTENT_TYPE } from '../schema.js';
import { ScimRequestError } from './patch.js';
import { SCIM_ROUTES, scimPathTemplate, type ScimRoute, type ScimService } from './routes.js';
import { ScimStore } from './store.js';

/**
 * A SCIM 2.0 service (RFC 7643/7644) for the subset Lockstep uses: Users and Groups
 * list/filter/page, GET, PUT, PATCH, DELETE, POST; ETags and If-Match as an option;
 * bearer or basic authentication; SCIM error bodies. Tests and the sandbox drive it
 * over real HTTP, with faults and latency switched on at runtime.
 */
export interface ScimEmulatorOptions {
  /** Initial users and groups, e.g. one provider of a snapshot. */
  seed?: ObservedProvider;
  /** The bearer token accepted; without token or basic credentials every request is let in. */
  token?: string;
  basic?: { username: string; password: string };
  /** Send `meta.version` and ETag headers and honour If-Match (RFC 7644 §3.14). */
  etags?: boolean;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
  /** Keeps every request and answer, for checks against the vendor's API definition (tests). */
  exchanges?: ExchangeLog;
  /** Mount path of the service root, e.g. `/scim/v2` (default: the server root). */
  basePath?: string;
  /** Largest page returned, whatever `count` asks for (servers may cap it, RFC 7644 §3.4.2.4). */
  maxPageSize?: number;
  /**
   * `count` is ignored, as some services do: every page holds `maxPageSize` resources (more
   * or fewer than asked), or, without maxPageSize, everything from `startIndex` on. RFC 7644
   * §3.4.2.4 lets a service return fewer than `count`; clients page by what they received.
   */
  ignoreCount?: boolean;
  /**
   * Resources carry `meta.version` but the service has no entity tags: ServiceProviderConfig
   * says `etag.supported: false`, no ETag header is sent, and a request with If-Match fails
   * 412, since no current entity tag can match it (RFC 7232 §3.1). Ignored with `etags`.
   */
  versionsWithoutETags?: boolean;
}

export interface ScimEmulator {
  /** The service root to give a SCIM client as baseUrl. */
  readonly url: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: ScimStore;
  /** Deep copies of the raw SCIM resources. */
  state(): { users: Record<string, unknown>[]; groups: Record<string, unknown>[] };
  /** The state in Lockstep's observed form. */
  observed(): ObservedProvider;
  close(): Promise<void>;
}

const ROUTES = new RouteTable<ScimRoute>(SCIM_ROUTES, scimPathTemplate);

export async function startScimEmulator(options: ScimEmulatorOptions = {}): Promise<ScimEmulator> {
  const store = new ScimStore(options.seed);
  const service: ScimService = {
    store,
    root: '',
    etags: options.etags === true,
    versionsWithoutETags: options.etags !== true && options.versionsWithoutETags === true,
    maxPageSize: options.maxPageSize,
    ignoreCount: options.ignoreCount === true,
    basic: options.basic !== undefined,
  };

  function answer(req: EmulatorRequest<ScimRoute>) {
    if (!authorized(req.headers.authorization, options)) throw new ScimRequestError(401, undefined, 'Authorization failure: missing or invalid credentials');
    const route = req.route;
    if (!route) {
      const resource = req.template.startsWith('/Users') || req.template.startsWith('/Groups');
      throw req.otherMethod && resource
        ? new ScimRequestError(405, undefined, `${req.method} is not supported on ${req.template}`)
        : new ScimRequestError(404, undefined, 'Endpoint not found');
    }
    return route.handle({ service, params: req.params, query: req.url.searchParams, headers: req.headers, body: req.body });
  }

  const server = await startEmulatorServer({
    port: options.port,
    exchanges: options.exchanges,
    basePath: options.basePath,
    routes: ROUTES,
    contentType: SCIM_CONTENT_TYPE,
    renderError: (status, detail) => ({ contentType: SCIM_CONTENT_TYPE, body: JSON.stringify(errorBody(status, detail)) }),
    answer,
    errorReply: (e) =>
      e instanceof ScimRequestError
        ? {
            status: e.status,
            body: errorBody(e.status, e.message, e.scimType),
            ...(e.status === 401 ? { headers: { 'WWW-Authenticate': options.basic ? 'Basic realm="scim"' : 'Bearer realm="scim"' } } : {}),
          }
        : undefined,
  });
  service.root = server.url;

  return {
    url: server.url,
    faults: server.faults,
    counters: server.counters,
    store,
    state: () => store.snapshot(),
    observed: () => store.observed(),
    close: () => server.close(),
  };
}

function authorized(header: string | undefined, options: ScimEmulatorOptions): boolean {
  if (!options.token && !options.basic) return true;
  if (options.token && header === `Bearer ${options.token}`) return true;
  if (options.basic) {
    const expected = Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64');
    if (header === `Basic ${expected}`) return true;
  }
  return false;
}
