import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObservedProvider } from '../../src/types/index.js';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer } from '../../src/emulator/faults.js';
import { FilterSyntaxError, parseFilter } from './emulator-filter.js';
import { ScimRequestError } from './emulator-patch.js';
import { ScimStore, type ResourceKind } from './emulator-store.js';
import { errorBody, SCIM_CONTENT_TYPE, SCIM_URN } from './schema.js';
import { readBody } from '../../src/emulator/http.js';

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
  /** Mount path of the service root, e.g. `/scim/v2` (default: the server root). */
  basePath?: string;
  /** Largest page returned, whatever `count` asks for (servers may cap it, RFC 7644 §3.4.2.4). */
  maxPageSize?: number;
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

const renderError: ErrorRenderer = (status, detail) => ({ contentType: SCIM_CONTENT_TYPE, body: JSON.stringify(errorBody(status, detail)) });

/** `/Users/abc` → `/Users/{id}`: the endpoint key used by counters and fault rules. */
export function scimPathTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 2 && (parts[0] === 'Users' || parts[0] === 'Groups')) return parts[1] === '.search' ? `/${parts[0]}/.search` : `/${parts[0]}/{id}`;
  return `/${parts.join('/')}`;
}

export async function startScimEmulator(options: ScimEmulatorOptions = {}): Promise<ScimEmulator> {
  const store = new ScimStore(options.seed);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  let root = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, errorBody(500, e instanceof Error ? e.message : 'internal error'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname;
    const endpoint = { method, template: scimPathTemplate(path), path };
    if (await interceptFaults(req, res, endpoint, { faults, counters }, renderError)) return;
    const body = await readBody(req);
    try {
      if (!authorized(req, options)) {
        res.setHeader('WWW-Authenticate', options.basic ? 'Basic realm="scim"' : 'Bearer realm="scim"');
        throw new ScimRequestError(401, undefined, 'Authorization failure: missing or invalid credentials');
      }
      route(req, res, method, path, url.searchParams, body);
    } catch (e) {
      if (e instanceof ScimRequestError) send(res, e.status, errorBody(e.status, e.message, e.scimType));
      else throw e;
    }
  }

  function route(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams, body: string): void {
    const [kindPart, id, extra] = path.split('/').filter(Boolean);
    if (kindPart === 'ServiceProviderConfig' && !id && method === 'GET') return send(res, 200, serviceProviderConfig(options));
    if ((kindPart !== 'Users' && kindPart !== 'Groups') || extra !== undefined) throw new ScimRequestError(404, undefined, 'Endpoint not found');
    const kind: ResourceKind = kindPart;
    if (id === '.search' && method === 'POST') return send(res, 200, list(kind, searchParams(parseJson(req, body))));
    if (!id) {
      if (method === 'GET') return send(res, 200, list(kind, query));
      if (method === 'POST') return sendResource(res, 201, kind, store.create(kind, parseJson(req, body)));
      throw new ScimRequestError(405, undefined, `${method} is not supported on /${kind}`);
    }
    if (method === 'GET') {
      const current = store.get(kind, id);
      const ifNoneMatch = req.headers['if-none-match'];
      if (options.etags && ifNoneMatch && etagMatches(ifNoneMatch, store.etag(current))) {
        res.statusCode = 304;
        res.end();
        return;
      }
      return sendResource(res, 200, kind, current, query);
    }
    if (method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      const current = store.get(kind, id);
      const ifMatch = req.headers['if-match'];
      if (options.etags && ifMatch && !etagMatches(ifMatch, store.etag(current))) {
        throw new ScimRequestError(412, undefined, 'Failed to update: resource changed since it was read (If-Match)');
      }
      if (method === 'DELETE') {
        store.delete(kind, id);
        res.statusCode = 204;
        res.end();
        return;
      }
      const next = method === 'PUT' ? store.replace(kind, id, parseJson(req, body)) : store.patch(kind, id, parseJson(req, body));
      return sendResource(res, 200, kind, next);
    }
    throw new ScimRequestError(405, undefined, `${method} is not supported on /${kind}/{id}`);
  }

  function list(kind: ResourceKind, query: URLSearchParams): unknown {
    let filter;
    const expression = query.get('filter');
    if (expression) {
      try {
        filter = parseFilter(expression);
      } catch (e) {
        if (e instanceof FilterSyntaxError) throw new ScimRequestError(400, 'invalidFilter', e.message);
        throw e;
      }
    }
    const all = store.list(kind, filter);
    const startIndex = Math.max(1, intParam(query, 'startIndex') ?? 1);
    const max = options.maxPageSize ?? 1000;
    const count = Math.min(Math.max(0, intParam(query, 'count') ?? max), max);
    const page = all.slice(startIndex - 1, startIndex - 1 + count).map((r) => render(kind, r, query));
    return { schemas: [SCIM_URN.listResponse], totalResults: all.length, startIndex, itemsPerPage: page.length, Resources: page };
  }

  function render(kind: ResourceKind, resource: Record<string, unknown>, query?: URLSearchParams): Record<string, unknown> {
    const out = structuredClone(resource);
    const meta: Record<string, unknown> = { ...(out['meta'] as Record<string, unknown>), resourceType: kind === 'Users' ? 'User' : 'Group', location: `${root}/${kind}/${String(out['id'])}` };
    if (!options.etags) delete meta['version'];
    out['meta'] = meta;
    const extensions = Object.keys(out).filter((k) => k.startsWith('urn:'));
    out['schemas'] = [kind === 'Users' ? SCIM_URN.user : SCIM_URN.group, ...extensions];
    if (kind === 'Groups') {
      const excluded = (query?.get('excludedAttributes') ?? '').toLowerCase().split(',').map((s) => s.trim());
      if (excluded.includes('members')) delete out['members'];
      else out['members'] = ((out['members'] as Record<string, unknown>[] | undefined) ?? []).map((m) => ({ ...m, $ref: `${root}/${m['type'] === 'Group' ? 'Groups' : 'Users'}/${String(m['value'])}` }));
    }
    return out;
  }

  function sendResource(res: ServerResponse, status: number, kind: ResourceKind, resource: Record<string, unknown>, query?: URLSearchParams): void {
    if (options.etags) res.setHeader('ETag', store.etag(resource));
    if (status === 201) res.setHeader('Location', `${root}/${kind}/${String(resource['id'])}`);
    send(res, status, render(kind, resource, query));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`;

  return {
    url: root,
    faults,
    counters,
    store,
    state: () => store.snapshot(),
    observed: () => store.observed(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', SCIM_CONTENT_TYPE);
  res.end(JSON.stringify(body));
}

function serviceProviderConfig(options: ScimEmulatorOptions): unknown {
  return {
    schemas: [SCIM_URN.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: options.maxPageSize ?? 1000 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: options.etags === true },
    authenticationSchemes: [
      options.basic
        ? { type: 'httpbasic', name: 'HTTP Basic', description: 'Basic authentication' }
        : { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'Bearer token authentication' },
    ],
  };
}

function authorized(req: IncomingMessage, options: ScimEmulatorOptions): boolean {
  if (!options.token && !options.basic) return true;
  const header = req.headers.authorization ?? '';
  if (options.token && header === `Bearer ${options.token}`) return true;
  if (options.basic) {
    const expected = Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64');
    if (header === `Basic ${expected}`) return true;
  }
  return false;
}

/** If-Match / If-None-Match lists; `*` matches any version, weak and strong forms compare equal. */
function etagMatches(header: string, etag: string): boolean {
  const bare = (t: string): string => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** A SearchRequest body (RFC 7644 §3.4.3) as the query parameters of the equivalent GET. */
function searchParams(body: unknown): URLSearchParams {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(b['schemas']) || !b['schemas'].includes(SCIM_URN.searchRequest)) {
    throw new ScimRequestError(400, 'invalidSyntax', `a search must declare schema ${SCIM_URN.searchRequest}`);
  }
  const params = new URLSearchParams();
  for (const key of ['filter', 'startIndex', 'count', 'excludedAttributes']) {
    const v = b[key];
    if (v !== undefined) params.set(key, Array.isArray(v) ? v.join(',') : String(v));
  }
  return params;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ScimRequestError(400, 'invalidValue', `${name} must be an integer`);
  return n;
}

function parseJson(req: IncomingMessage, body: string): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== SCIM_CONTENT_TYPE && type !== 'application/json') throw new ScimRequestError(415, undefined, `Content-Type must be ${SCIM_CONTENT_TYPE}`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ScimRequestError(400, 'invalidSyntax', 'request body is not valid JSON');
  }
}

