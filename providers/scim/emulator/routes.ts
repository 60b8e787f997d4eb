import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../../../src/emulator/http.js';
import type { Route } from '../../../src/emulator/routes.js';
import { SCIM_CONTENT_TYPE, SCIM_URN } from '../schema.js';
import { FilterSyntaxError, parseFilter } from './filter.js';
import { ScimRequestError } from './patch.js';
import type { ResourceKind, ScimStore } from './store.js';

/**
 * The SCIM 2.0 endpoints (RFC 7644 §3) over the store: ServiceProviderConfig, and for
 * Users and Groups list/filter/page, `.search`, create, get, replace, patch and delete,
 * with ETags and If-Match / If-None-Match when the service has them switched on.
 */
export interface ScimService {
  store: ScimStore;
  /** The service root, for `meta.location` and `$ref`. */
  root: string;
  etags: boolean;
  /** `meta.version` is rendered although the service has no entity tags: any If-Match fails. */
  versionsWithoutETags: boolean;
  maxPageSize: number | undefined;
  /** Pages are `maxPageSize` long (or everything) whatever `count` asks for. */
  ignoreCount: boolean;
  /** The authentication scheme advertised: HTTP Basic or a bearer token. */
  basic: boolean;
}

export interface ScimCall {
  service: ScimService;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScimRoute extends Route {
  handle(call: ScimCall): Reply;
}

/** `/Users/abc` → `/Users/{id}`: the counter and fault key of a path no route has. */
export function scimPathTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 2 && (parts[0] === 'Users' || parts[0] === 'Groups')) return parts[1] === '.search' ? `/${parts[0]}/.search` : `/${parts[0]}/{id}`;
  return `/${parts.join('/')}`;
}

function resourceRoutes(kind: ResourceKind): ScimRoute[] {
  const item = `/${kind}/{id}`;
  const id = (c: ScimCall) => c.params['id']!;
  /** PUT, PATCH and DELETE change only the version the client read (If-Match), of a resource that exists. */
  const checkVersion = (c: ScimCall): void => {
    const { store, etags, versionsWithoutETags } = c.service;
    const ifMatch = c.headers['if-match'];
    const etag = store.etag(store.get(kind, id(c)));
    if (versionsWithoutETags && ifMatch) throw new ScimRequestError(412, undefined, 'Failed to update: this service has no entity tags to match If-Match against');
    if (etags && ifMatch && !etagMatches(ifMatch, etag)) throw new ScimRequestError(412, undefined, 'Failed to update: resource changed since it was read (If-Match)');
  };
  return [
    { method: 'POST', path: `/${kind}/.search`, handle: (c) => ({ status: 200, body: list(c.service, kind, searchParams(parseJson(c))) }) },
    { method: 'GET', path: `/${kind}`, handle: (c) => ({ status: 200, body: list(c.service, kind, c.query) }) },
    { method: 'POST', path: `/${kind}`, handle: (c) => resourceReply(c.service, 201, kind, c.service.store.create(kind, parseJson(c))) },
    {
      method: 'GET',
      path: item,
      handle: (c) => {
        const { store, etags } = c.service;
        const resource = store.get(kind, id(c));
        const ifNoneMatch = c.headers['if-none-match'];
        if (etags && ifNoneMatch && etagMatches(ifNoneMatch, store.etag(resource))) return { status: 304 };
        return resourceReply(c.service, 200, kind, resource, c.query);
      },
    },
    {
      method: 'PUT',
      path: item,
      handle: (c) => {
        checkVersion(c);
        return resourceReply(c.service, 200, kind, c.service.store.replace(kind, id(c), parseJson(c)));
      },
    },
    {
      method: 'PATCH',
      path: item,
      handle: (c) => {
        checkVersion(c);
        return resourceReply(c.service, 200, kind, c.service.store.patch(kind, id(c), parseJson(c)));
      },
    },
    {
      method: 'DELETE',
      path: item,
      handle: (c) => {
        checkVersion(c);
        c.service.store.delete(kind, id(c));
        return { status: 204 };
      },
    },
  ];
}

export const SCIM_ROUTES: readonly ScimRoute[] = [
  { method: 'GET', path: '/ServiceProviderConfig', handle: (c) => ({ status: 200, body: serviceProviderConfig(c.service) }) },
  ...resourceRoutes('Users'),
  ...resourceRoutes('Groups'),
];

function list(service: ScimService, kind: ResourceKind, query: URLSearchParams): unknown {
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
  const all = service.store.list(kind, filter);
  const startIndex = Math.max(1, intParam(query, 'startIndex') ?? 1);
  const max = service.maxPageSize ?? 1000;
  const asked = intParam(query, 'count');
  const count = service.ignoreCount ? (service.maxPageSize ?? all.length) : Math.min(Math.max(0, asked ?? max), max);
  const page = all.slice(startIndex - 1, startIndex - 1 + count).map((r) => render(service, kind, r, query));
  return { schemas: [SCIM_URN.listResponse], totalResults: all.length, startIndex, itemsPerPage: page.length, Resources: page };
}

function render(service: ScimService, kind: ResourceKind, resource: Record<string, unknown>, query?: URLSearchParams): Record<string, unknown> {
  const { root } = service;
  const out = structuredClone(resource);
  const meta: Record<string, unknown> = {
    ...(out['meta'] as Record<string, unknown>),
    resourceType: kind === 'Users' ? 'User' : 'Group',
    location: `${root}/${kind}/${String(out['id'])}`,
  };
  if (!service.etags && !service.versionsWithoutETags) delete meta['version'];
  out['meta'] = meta;
  const extensions = Object.keys(out).filter((k) => k.startsWith('urn:'));
  out['schemas'] = [kind === 'Users' ? SCIM_URN.user : SCIM_URN.group, ...extensions];
  if (kind === 'Groups') {
    const excluded = (query?.get('excludedAttributes') ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim());
    if (excluded.includes('members')) delete out['members'];
    else
      out['members'] = ((out['members'] as Record<string, unknown>[] | undefined) ?? []).map((m) => ({
        ...m,
        $ref: `${root}/${m['type'] === 'Group' ? 'Groups' : 'Users'}/${String(m['value'])}`,
      }));
  }
  return out;
}

function resourceReply(service: ScimService, status: number, kind: ResourceKind, resource: Record<string, unknown>, query?: URLSearchParams): Reply {
  const headers: Record<string, string> = {};
  if (service.etags) headers['ETag'] = service.store.etag(resource);
  if (status === 201) headers['Location'] = `${service.root}/${kind}/${String(resource['id'])}`;
  return { status, body: render(service, kind, resource, query), headers };
}

function serviceProviderConfig(service: ScimService): unknown {
  return {
    schemas: [SCIM_URN.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: service.maxPageSize ?? 1000 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: service.etags },
    authenticationSchemes: [
      service.basic
        ? { type: 'httpbasic', name: 'HTTP Basic', description: 'Basic authentication' }
        : { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'Bearer token authentication' },
    ],
  };
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

function parseJson(c: ScimCall): unknown {
  const type = (c.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== SCIM_CONTENT_TYPE && type !== 'application/json') throw new ScimRequestError(415, undefined, `Content-Type must be ${SCIM_CONTENT_TYPE}`);
  try {
    return JSON.parse(c.body) as unknown;
  } catch {
    throw new ScimRequestError(400, 'invalidSyntax', 'request body is not valid JSON');
  }
}
