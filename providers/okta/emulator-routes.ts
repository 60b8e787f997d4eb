import { byId, matchesUserFilter, page, parseUserFilter } from './emulator-paging.js';
import { OktaRequestError, SEED_CLIENT, type OktaStore, type StoredGroup, type StoredUser } from './emulator-store.js';

/**
 * The Okta Management API endpoints the provider uses, over the store. A handler returns
 * the answer's status, JSON body (none for 204) and extra headers; errors are thrown as
 * OktaRequestError and rendered by the server as Okta error bodies.
 */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

export interface RouteRequest {
  method: string;
  url: URL;
  /** Absolute origin of the emulator, for links. */
  root: string;
}

const ok = (body: unknown, headers?: Answer['headers']): Answer => ({ status: 200, body, ...(headers ? { headers } : {}) });
const noContent: Answer = { status: 204 };

/** `/api/v1/users/abc/clients/xyz/tokens` → `/api/v1/users/{id}/clients/{clientId}/tokens`: counter and fault key. */
export function oktaPathTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'api' || parts.length < 4) return `/${parts.join('/')}`;
  const out = parts.slice(0, 3);
  out.push('{id}');
  for (let i = 4; i < parts.length; i++) {
    const prev = parts[i - 1];
    if (prev === 'clients') out.push('{clientId}');
    else if (prev === 'users' && parts[2] === 'groups') out.push('{userId}');
    else out.push(parts[i]!);
  }
  return `/${out.join('/')}`;
}

export function route(store: OktaStore, req: RouteRequest): Answer {
  const parts = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'api' || parts[1] !== 'v1') throw notFoundEndpoint();
  const [, , kind, id, sub, subId, leaf] = parts;
  if (kind === 'users') return users(store, req, id, sub, subId, leaf, parts.length);
  if (kind === 'groups') return groups(store, req, id, sub, subId, parts.length);
  throw notFoundEndpoint();
}

function users(store: OktaStore, req: RouteRequest, id: string | undefined, sub: string | undefined, subId: string | undefined, leaf: string | undefined, depth: number): Answer {
  const { method } = req;
  if (!id) {
    if (method !== 'GET') throw notAllowed();
    return listUsers(store, req);
  }
  const user = store.user(id);
  if (!sub) {
    if (method === 'GET') return ok(renderUser(user, req.root));
    if (method === 'DELETE') {
      store.delete(user);
      return noContent;
    }
    throw notAllowed();
  }
  if (sub === 'lifecycle' && subId && depth === 6 && method === 'POST') return lifecycle(store, user, subId);
  if (sub === 'sessions' && depth === 5 && method === 'DELETE') {
    store.endSessions(user, { oauthTokens: req.url.searchParams.get('oauthTokens') === 'true', forgetDevices: req.url.searchParams.get('forgetDevices') === 'true' });
    return noContent;
  }
  const creds = store.creds(user.id);
  if (sub === 'grants' && depth === 5) {
    if (method === 'GET') {
      const grants = creds.grants.map((g) => ({ id: g.id, status: 'ACTIVE', clientId: g.clientId, userId: user.id, scopeId: g.scopeId, issuer: req.root, source: 'END_USER', created: g.created, _links: { self: { href: `${req.root}/api/v1/users/${user.id}/grants/${g.id}` } } }));
      const p = page(grants.sort(byId), req.url, req.root);
      return ok(p.items, { Link: p.links });
    }
    if (method === 'DELETE') {
      creds.grants = [];
      return noContent;
    }
  }
  if (sub === 'clients' && depth === 5 && method === 'GET') {
    return ok(store.clientsOf(user).map((c) => ({ client_id: c, client_name: c === SEED_CLIENT.id ? SEED_CLIENT.name : c, _links: { grants: { href: `${req.root}/api/v1/users/${user.id}/clients/${c}/grants` }, tokens: { href: `${req.root}/api/v1/users/${user.id}/clients/${c}/tokens` } } })));
  }
  if (sub === 'clients' && subId && depth === 7 && method === 'DELETE') {
    if (leaf === 'tokens') creds.refreshTokens.delete(subId);
    else if (leaf === 'grants') creds.grants = creds.grants.filter((g) => g.clientId !== subId);
    else throw notFoundEndpoint();
    return noContent;
  }
  if (sub === 'groups' && depth === 5 && method === 'GET') {
    const memberOf = [...store.groups.values()].filter((g) => g.members.has(user.id)).sort(byId);
    const p = page(memberOf, req.url, req.root);
    return ok(p.items.map((g) => renderGroup(g, req.root)), { Link: p.links });
  }
  if (sub === 'factors' && depth === 5 && method === 'GET') {
    return ok(creds.factors.map((f) => ({ id: f.id, factorType: f.factorType, provider: f.provider, vendorName: f.provider, status: 'ACTIVE', created: f.created, lastUpdated: f.created, _links: { self: { href: `${req.root}/api/v1/users/${user.id}/factors/${f.id}` } } })));
  }
  throw depth <= 7 ? notAllowed() : notFoundEndpoint();
}

function lifecycle(store: OktaStore, user: StoredUser, op: string): Answer {
  switch (op) {
    case 'suspend':
      store.suspend(user);
      return ok({});
    case 'unsuspend':
      store.unsuspend(user);
      return ok({});
    case 'deactivate':
      store.deactivate(user);
      return ok({});
    case 'activate':
      store.activate(user);
      return ok({ activationUrl: `https://emulator.invalid/welcome/${user.id}`, activationToken: `act${user.id}` });
    case 'reset_factors':
      store.creds(user.id).factors = [];
      return ok({});
    default:
      throw notFoundEndpoint();
  }
}

function listUsers(store: OktaStore, req: RouteRequest): Answer {
  const expression = req.url.searchParams.get('filter') ?? req.url.searchParams.get('search');
  let all = [...store.users.values()];
  if (expression) {
    const filter = parseUserFilter(expression);
    all = all.filter((u) => matchesUserFilter(filter, (attr) => userField(u, attr)));
  } else {
    // The plain listing leaves deactivated users out, as Okta's does.
    all = all.filter((u) => u.status !== 'DEPROVISIONED');
  }
  const p = page(all.sort(byId), req.url, req.root);
  return ok(p.items.map((u) => renderUser(u, req.root)), { Link: p.links });
}

function groups(store: OktaStore, req: RouteRequest, id: string | undefined, sub: string | undefined, userId: string | undefined, depth: number): Answer {
  const { method } = req;
  if (!id) {
    if (method !== 'GET') throw notAllowed();
    const p = page([...store.groups.values()].sort(byId), req.url, req.root);
    return ok(p.items.map((g) => renderGroup(g, req.root)), { Link: p.links });
  }
  const group = store.group(id);
  if (!sub) {
    if (method === 'GET') return ok(renderGroup(group, req.root));
    throw notAllowed();
  }
  if (sub !== 'users') throw notFoundEndpoint();
  if (!userId && depth === 5) {
    if (method !== 'GET') throw notAllowed();
    const members = [...group.members].map((m) => store.users.get(m)).filter((u): u is StoredUser => !!u);
    const p = page(members.sort(byId), req.url, req.root);
    return ok(p.items.map((u) => renderUser(u, req.root)), { Link: p.links });
  }
  if (userId && depth === 6) {
    const user = store.user(userId);
    if (method === 'PUT') store.addMember(group, user);
    else if (method === 'DELETE') store.removeMember(group, user);
    else throw notAllowed();
    return noContent;
  }
  throw notFoundEndpoint();
}

function userField(u: StoredUser, attr: string): string | null | undefined {
  switch (attr) {
    case 'status':
      return u.status;
    case 'id':
      return u.id;
    case 'lastUpdated':
      return u.lastUpdated;
    case 'created':
      return u.created;
    default:
      return attr.startsWith('profile.') ? (u.profile as Record<string, string | null>)[attr.slice('profile.'.length)] : undefined;
  }
}

export function renderUser(u: StoredUser, root: string): Record<string, unknown> {
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated,
    statusChanged: u.statusChanged,
    lastLogin: u.lastLogin,
    lastUpdated: u.lastUpdated,
    passwordChanged: null,
    type: { id: 'oty1default' },
    profile: Object.fromEntries(Object.entries(u.profile).filter(([, v]) => v !== null)),
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${root}/api/v1/users/${u.id}` } },
  };
}

function renderGroup(g: StoredGroup, root: string): Record<string, unknown> {
  return {
    id: g.id,
    created: g.created,
    lastUpdated: g.lastUpdated,
    lastMembershipUpdated: g.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: 'OKTA_GROUP',
    profile: { name: g.name, description: g.description },
    _links: { self: { href: `${root}/api/v1/groups/${g.id}` }, users: { href: `${root}/api/v1/groups/${g.id}/users` } },
  };
}

function notFoundEndpoint(): OktaRequestError {
  return new OktaRequestError(404, 'E0000007', 'Not found: Resource not found');
}

function notAllowed(): OktaRequestError {
  return new OktaRequestError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
}
