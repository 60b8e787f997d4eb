import type { Reply } from '../../../src/emulator/http.js';
import type { Route } from '../../../src/emulator/routes.js';
import type { OAuthServer } from './oauth.js';
import { byId, matchesUserFilter, page, PAGE_LIMITS, parseUserFilter, type Cursors } from './paging.js';
import { OktaRequestError, SEED_CLIENT, type OktaStore, type StoredGroup, type StoredUser } from './store.js';

/**
 * The Okta Management API endpoints the provider uses, over the store. A handler returns
 * the answer's status, JSON body (none for 204) and extra headers; errors are thrown as
 * OktaRequestError and rendered as Okta error bodies.
 */
export interface OktaCall {
  store: OktaStore;
  oauth: OAuthServer;
  /** The `after` cursors handed out in Link headers. */
  cursors: Cursors;
  params: Record<string, string>;
  url: URL;
  /** Absolute origin of the emulator, for links. */
  root: string;
  /** The raw request body. */
  body: string;
}

export interface OktaRoute extends Route {
  handle(call: OktaCall): Reply;
}

const ok = (body: unknown, headers?: Reply['headers']): Reply => ({ status: 200, body, ...(headers ? { headers } : {}) });
const noContent: Reply = { status: 204 };

/** `/api/v1/users/abc/clients/xyz/tokens` → `/api/v1/users/{id}/clients/{clientId}/tokens`: the counter and fault key of a path no route has. */
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

/** The OAuth 2.0 token endpoint of the org authorization server. */
export const TOKEN_PATH = '/oauth2/v1/token';
const U = '/api/v1/users';
const G = '/api/v1/groups';
const user = (c: OktaCall): StoredUser => c.store.user(c.params['id']!);

/** Lifecycle operations, each its own endpoint (and counter key) as in Okta's API; each returns its answer's body. */
const LIFECYCLE: Record<string, (store: OktaStore, user: StoredUser) => object> = {
  suspend(store, u) {
    store.suspend(u);
    return {};
  },
  unsuspend(store, u) {
    store.unsuspend(u);
    return {};
  },
  deactivate(store, u) {
    store.deactivate(u);
    return {};
  },
  activate(store, u) {
    store.activate(u);
    return { activationUrl: `https://emulator.invalid/welcome/${u.id}`, activationToken: `act${u.id}` };
  },
  reset_factors(store, u) {
    store.creds(u.id).factors = [];
    return {};
  },
};

export const OKTA_ROUTES: readonly OktaRoute[] = [
  {
    method: 'POST',
    path: TOKEN_PATH,
    handle(c) {
      const answer = c.oauth.token(new URLSearchParams(c.body), `${c.root}${TOKEN_PATH}`);
      return { status: answer.status, body: answer.body, headers: { 'Cache-Control': 'no-store' } };
    },
  },
  { method: 'GET', path: U, handle: listUsers },
  { method: 'GET', path: `${U}/{id}`, handle: (c) => ok(renderUser(user(c), c.root)) },
  {
    method: 'DELETE',
    path: `${U}/{id}`,
    handle: (c) => {
      c.store.delete(user(c));
      return noContent;
    },
  },
  ...Object.entries(LIFECYCLE).map(([op, run]): OktaRoute => ({ method: 'POST', path: `${U}/{id}/lifecycle/${op}`, handle: (c) => ok(run(c.store, user(c))) })),
  {
    method: 'DELETE',
    path: `${U}/{id}/sessions`,
    handle: (c) => {
      const q = c.url.searchParams;
      c.store.endSessions(user(c), { oauthTokens: q.get('oauthTokens') === 'true', forgetDevices: q.get('forgetDevices') === 'true' });
      return noContent;
    },
  },
  {
    method: 'GET',
    path: `${U}/{id}/grants`,
    handle: (c) => {
      const u = user(c);
      const grants = c.store.creds(u.id).grants.map((g) => ({
        id: g.id,
        status: 'ACTIVE',
        clientId: g.clientId,
        userId: u.id,
        scopeId: g.scopeId,
        issuer: c.root,
        source: 'END_USER',
        created: g.created,
        _links: { self: { href: `${c.root}${U}/${u.id}/grants/${g.id}` } },
      }));
      const p = page(grants.sort(byId), c.url, c.root, PAGE_LIMITS.grants, c.cursors);
      return ok(p.items, { Link: p.links });
    },
  },
  {
    method: 'DELETE',
    path: `${U}/{id}/grants`,
    handle: (c) => {
      c.store.creds(user(c).id).grants = [];
      return noContent;
    },
  },
  {
    method: 'GET',
    path: `${U}/{id}/clients`,
    handle: (c) => {
      const u = user(c);
      const link = (client: string, what: string) => ({ href: `${c.root}${U}/${u.id}/clients/${client}/${what}` });
      return ok(
        c.store.clientsOf(u).map((id) => ({
          client_id: id,
          client_name: id === SEED_CLIENT.id ? SEED_CLIENT.name : id,
          _links: { grants: link(id, 'grants'), tokens: link(id, 'tokens') },
        })),
      );
    },
  },
  {
    method: 'DELETE',
    path: `${U}/{id}/clients/{clientId}/tokens`,
    handle: (c) => {
      c.store.creds(user(c).id).refreshTokens.delete(c.params['clientId']!);
      return noContent;
    },
  },
  {
    method: 'DELETE',
    path: `${U}/{id}/clients/{clientId}/grants`,
    handle: (c) => {
      const creds = c.store.creds(user(c).id);
      creds.grants = creds.grants.filter((g) => g.clientId !== c.params['clientId']);
      return noContent;
    },
  },
  {
    method: 'GET',
    path: `${U}/{id}/groups`,
    handle: (c) => {
      const u = user(c);
      const p = page([...c.store.groups.values()].filter((g) => g.members.has(u.id)).sort(byId), c.url, c.root, PAGE_LIMITS.userGroups, c.cursors);
      return ok(
        p.items.map((g) => renderGroup(g, c.root)),
        { Link: p.links },
      );
    },
  },
  {
    method: 'GET',
    path: `${U}/{id}/factors`,
    handle: (c) => {
      const u = user(c);
      return ok(
        c.store.creds(u.id).factors.map((f) => ({
          id: f.id,
          factorType: f.factorType,
          provider: f.provider,
          vendorName: f.provider,
          status: 'ACTIVE',
          created: f.created,
          lastUpdated: f.created,
          _links: { self: { href: `${c.root}${U}/${u.id}/factors/${f.id}` } },
        })),
      );
    },
  },
  {
    method: 'GET',
    path: G,
    handle: (c) => {
      const p = page([...c.store.groups.values()].sort(byId), c.url, c.root, PAGE_LIMITS.groups, c.cursors);
      return ok(
        p.items.map((g) => renderGroup(g, c.root)),
        { Link: p.links },
      );
    },
  },
  { method: 'GET', path: `${G}/{id}`, handle: (c) => ok(renderGroup(c.store.group(c.params['id']!), c.root)) },
  {
    method: 'GET',
    path: `${G}/{id}/users`,
    handle: (c) => {
      const group = c.store.group(c.params['id']!);
      const members = [...group.members].map((m) => c.store.users.get(m)).filter((u): u is StoredUser => !!u);
      const p = page(members.sort(byId), c.url, c.root, PAGE_LIMITS.groupUsers, c.cursors);
      return ok(
        p.items.map((u) => renderUser(u, c.root)),
        { Link: p.links },
      );
    },
  },
  {
    method: 'PUT',
    path: `${G}/{id}/users/{userId}`,
    handle: (c) => {
      c.store.addMember(c.store.group(c.params['id']!), c.store.user(c.params['userId']!));
      return noContent;
    },
  },
  {
    method: 'DELETE',
    path: `${G}/{id}/users/{userId}`,
    handle: (c) => {
      c.store.removeMember(c.store.group(c.params['id']!), c.store.user(c.params['userId']!));
      return noContent;
    },
  },
];

function listUsers(c: OktaCall): Reply {
  const expression = c.url.searchParams.get('filter') ?? c.url.searchParams.get('search');
  let all = [...c.store.users.values()];
  if (expression) {
    const filter = parseUserFilter(expression);
    all = all.filter((u) => matchesUserFilter(filter, (attr) => userField(u, attr)));
  } else {
    // The plain listing leaves deactivated users out, as Okta's does.
    all = all.filter((u) => u.status !== 'DEPROVISIONED');
  }
  const p = page(all.sort(byId), c.url, c.root, PAGE_LIMITS.users, c.cursors);
  return ok(
    p.items.map((u) => renderUser(u, c.root)),
    { Link: p.links },
  );
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
    // The definition's group profile has a string description: none is left out, not null.
    profile: { name: g.name, ...(g.description === null ? {} : { description: g.description }) },
    _links: { self: { href: `${root}/api/v1/groups/${g.id}` }, users: { href: `${root}/api/v1/groups/${g.id}/users` } },
  };
}

export function notFoundEndpoint(): OktaRequestError {
  return new OktaRequestError(404, 'E0000007', 'Not found: Resource not found');
}

export function notAllowed(): OktaRequestError {
  return new OktaRequestError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
}
