import type { Route } from '../../../src/emulator/routes.js';
import type { DeltaFeed } from './delta.js';
import { userResource } from './resources.js';
import { METHOD_SEGMENTS, notFound, type EntraStore, type User } from './store.js';
import { applySelect, badRequest, GraphApiError, selectOf, topOf, type Tokens } from './wire.js';

/**
 * Microsoft Graph v1.0 resources the provider uses: users (list, get, update, delete,
 * revokeSignInSessions, assignLicense, authentication methods), groups (list, members,
 * `$ref` add and remove), oauth2PermissionGrants, and the users/groups delta feeds.
 */

export interface GraphCall {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  store: EntraStore;
  delta: DeltaFeed;
  pages: Tokens;
  /** The version root, e.g. `https://127.0.0.1:8443/v1.0`. */
  root: string;
  /** The tenant has Entra ID P1/P2, without which signInActivity cannot be read. */
  premium: boolean;
  /** The app holds AuditLog.Read.All, without which signInActivity cannot be read either. */
  auditLogRead: boolean;
}

export interface GraphAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Graph endpoint; `path` is below the version segment (`/users/{id}`) and names the endpoint in counters and fault rules. */
export interface GraphRoute extends Route {
  handle(call: GraphCall): GraphAnswer;
}

/** One page of an ordered listing after the `$skiptoken` cursor, with an absolute nextLink. */
function listPage<T extends { ord: number }>(call: GraphCall, listing: string, all: Iterable<T>, render: (x: T) => unknown): GraphAnswer {
  const size = topOf(call.query);
  const skip = call.query.get('$skiptoken');
  const after = skip ? call.pages.read<{ l: string; a: number }>(skip) : { l: listing, a: 0 };
  if (after.l !== listing) throw badRequest('The $skiptoken belongs to another listing.');
  const items: T[] = [];
  let more = false;
  for (const x of all) {
    if (x.ord <= after.a) continue;
    if (items.length === size) {
      more = true;
      break;
    }
    items.push(x);
  }
  const body: Record<string, unknown> = { '@odata.context': `${call.root}/$metadata#${listing}`, value: items.map(render) };
  if (more) {
    // Graph's nextLinks keep the query as written ($ and commas unescaped) plus $skiptoken.
    const keep = [...call.query].filter(([k]) => k !== '$skiptoken').map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/gi, ',')}`);
    keep.push(`$skiptoken=${call.pages.issue({ l: listing, a: items.at(-1)!.ord })}`);
    body['@odata.nextLink'] = `${call.root}/${listing}?${keep.join('&')}`;
  }
  return { status: 200, body };
}

const ok = (body: unknown): GraphAnswer => ({ status: 200, body });

/**
 * The `$select` of a user read, refused with 403 when it names signInActivity and the
 * tenant lacks Entra ID P1/P2 or the app lacks AuditLog.Read.All
 * (https://learn.microsoft.com/graph/api/user-list, "Get users including their last
 * sign-in time"; the licence error's message:
 * https://docs.azure.cn/en-us/active-directory/reports-monitoring/howto-configure-prerequisites-for-reporting-api,
 * "Common errors"; for the missing permission no page gives the answer, and this is
 * Graph's usual one for a permission the app lacks).
 */
function userSelect(c: GraphCall): string[] | undefined {
  const select = selectOf(c.query);
  if (!select?.includes('signInActivity')) return select;
  if (!c.premium) throw new GraphApiError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  if (!c.auditLogRead) throw new GraphApiError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  return select;
}
const noContent: GraphAnswer = { status: 204 };

/** `cast` is the OData type segment the request named (`/microsoft.graph.user`), kept in its nextLink as Graph does. */
function membersPage(call: GraphCall, cast = ''): GraphAnswer {
  const g = call.store.group(call.params['id']!);
  const members = [...g.members]
    .map((id) => call.store.users.get(id))
    .filter((u): u is User => !!u)
    .sort((a, b) => a.ord - b.ord);
  const select = selectOf(call.query);
  return listPage(call, `groups/${g.id}/members${cast}`, members, (u) => ({ '@odata.type': '#microsoft.graph.user', ...userResource(u, select) }));
}

/** The groups a user is a direct member of (memberOf lists groups and directory roles; the emulator has groups only). */
function memberOfPage(call: GraphCall, cast = ''): GraphAnswer {
  const u = call.store.user(call.params['id']!);
  const groups = [...call.store.groups.values()].filter((g) => g.members.has(u.id)).sort((a, b) => a.ord - b.ord);
  const select = selectOf(call.query);
  return listPage(call, `users/${u.id}/memberOf${cast}`, groups, (g) => ({
    '@odata.type': '#microsoft.graph.group',
    ...(applySelect({ id: g.id, displayName: g.displayName }, select) as object),
  }));
}

/** `principalId eq '…'` (and `clientId eq '…'`), the filters Graph supports on grants. */
function grantFilter(filter: string | null): (g: { principalId: string; clientId: string }) => boolean {
  if (!filter) return () => true;
  const m = /^\s*(principalId|clientId)\s+eq\s+'([^']*)'\s*$/.exec(filter);
  if (!m) throw badRequest(`Invalid filter clause: ${filter}`, 'Request_UnsupportedQuery');
  return (g) => g[m[1] as 'principalId' | 'clientId'] === m[2];
}

function refId(body: unknown): string {
  const ref = (body as { '@odata.id'?: unknown } | null)?.['@odata.id'];
  const m = typeof ref === 'string' ? /\/(?:directoryObjects|users)\/([^/?]+)$/.exec(ref) : null;
  if (!m) throw badRequest('Invalid URL format specified in @odata.id: a reference to a directory object is required.', 'Request_BadRequest');
  return m[1]!;
}

export const GRAPH_ROUTES: readonly GraphRoute[] = [
  { method: 'GET', path: '/users/delta', handle: (c) => ok(c.delta.answer('users', c.query, c.root)) },
  { method: 'GET', path: '/groups/delta', handle: (c) => ok(c.delta.answer('groups', c.query, c.root)) },
  {
    method: 'GET',
    path: '/users',
    handle: (c) => {
      const select = userSelect(c);
      return listPage(c, 'users', c.store.users.values(), (u) => userResource(u, select));
    },
  },
  { method: 'GET', path: '/users/{id}', handle: (c) => ok(userResource(c.store.user(c.params['id']!), userSelect(c))) },
  {
    method: 'PATCH',
    path: '/users/{id}',
    handle: (c) => {
      const patch = (c.body ?? {}) as Record<string, unknown>;
      const allowed = ['accountEnabled', 'displayName', 'employeeId', 'otherMails'];
      const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
      if (unknown.length) throw badRequest(`Property '${unknown[0]}' cannot be updated by this emulator.`, 'Request_BadRequest');
      if ('accountEnabled' in patch && typeof patch['accountEnabled'] !== 'boolean')
        throw badRequest("Invalid value for property 'accountEnabled'.", 'Request_BadRequest');
      c.store.updateUser(c.params['id']!, patch);
      return noContent;
    },
  },
  {
    method: 'DELETE',
    path: '/users/{id}',
    handle: (c) => {
      c.store.deleteUser(c.params['id']!);
      return noContent;
    },
  },
  {
    // Invalidates the user's refresh tokens and session cookies by moving
    // signInSessionsValidFromDateTime to now, and answers 200 { value: true }; calling it
    // again moves the time again (https://learn.microsoft.com/graph/api/user-revokesigninsessions).
    method: 'POST',
    path: '/users/{id}/revokeSignInSessions',
    handle: (c) => {
      const u = c.store.user(c.params['id']!);
      u.sessions = 0;
      u.signInSessionsValidFromDateTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return ok({ '@odata.context': `${c.root}/$metadata#Edm.Boolean`, value: true });
    },
  },
  {
    method: 'POST',
    path: '/users/{id}/assignLicense',
    handle: (c) => {
      const u = c.store.user(c.params['id']!);
      const body = (c.body ?? {}) as { addLicenses?: { skuId?: string }[]; removeLicenses?: string[] };
      if (!Array.isArray(body.addLicenses) || !Array.isArray(body.removeLicenses)) throw badRequest('addLicenses and removeLicenses are required.', 'Request_BadRequest');
      for (const sku of body.removeLicenses) {
        if (!u.assignedLicenses.some((l) => l.skuId === sku)) throw badRequest(`User does not have a corresponding license: ${sku}.`, 'Request_BadRequest');
      }
      u.assignedLicenses = u.assignedLicenses.filter((l) => !body.removeLicenses!.includes(l.skuId));
      for (const l of body.addLicenses)
        if (l.skuId && !u.assignedLicenses.some((x) => x.skuId === l.skuId)) u.assignedLicenses.push({ skuId: l.skuId, disabledPlans: [] });
      return ok(userResource(u, ['id', 'displayName', 'userPrincipalName', 'assignedLicenses']));
    },
  },
  {
    method: 'GET',
    path: '/users/{id}/authentication/methods',
    handle: (c) => ok({ '@odata.context': `${c.root}/$metadata#users('${c.params['id']}')/authentication/methods`, value: c.store.user(c.params['id']!).methods }),
  },
  {
    method: 'DELETE',
    path: '/users/{id}/authentication/{kind}/{methodId}',
    handle: (c) => {
      const u = c.store.user(c.params['id']!);
      const m = u.methods.find((x) => x.id === c.params['methodId'] && METHOD_SEGMENTS[x['@odata.type']] === c.params['kind']);
      if (!m) throw notFound(c.params['methodId']!);
      if (c.params['kind'] === 'passwordMethods') throw new GraphApiError(400, 'badRequest', 'The password authentication method cannot be deleted.');
      // The default multifactor method cannot be deleted while the user has others
      // (https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete); Graph's
      // 400 and its message: https://learn.microsoft.com/answers/questions/1337439 (its
      // error code is not documented). The password is not counted: it is not a second factor.
      const others = u.methods.filter((x) => x !== m && x['@odata.type'] !== '#microsoft.graph.passwordAuthenticationMethod');
      if (m.id === u.defaultMethod && others.length > 0) {
        throw new GraphApiError(400, 'badRequest', 'Cannot delete default method with other methods configured. Please change default method before deletion.');
      }
      if (m.id === u.defaultMethod) u.defaultMethod = null;
      u.methods = u.methods.filter((x) => x !== m);
      return noContent;
    },
  },
  {
    method: 'GET',
    path: '/oauth2PermissionGrants',
    handle: (c) => {
      const keep = grantFilter(c.query.get('$filter'));
      return ok({ '@odata.context': `${c.root}/$metadata#oauth2PermissionGrants`, value: [...c.store.grants.values()].filter(keep) });
    },
  },
  {
    method: 'DELETE',
    path: '/oauth2PermissionGrants/{id}',
    handle: (c) => {
      if (!c.store.grants.delete(c.params['id']!)) throw notFound(c.params['id']!);
      return noContent;
    },
  },
  { method: 'GET', path: '/users/{id}/memberOf/microsoft.graph.group', handle: (c) => memberOfPage(c, '/microsoft.graph.group') },
  { method: 'GET', path: '/users/{id}/memberOf', handle: (c) => memberOfPage(c) },
  {
    method: 'GET',
    path: '/groups',
    handle: (c) => listPage(c, 'groups', c.store.groups.values(), (g) => applySelect({ id: g.id, displayName: g.displayName }, selectOf(c.query))),
  },
  {
    method: 'GET',
    path: '/groups/{id}',
    handle: (c) => ok(applySelect({ id: c.params['id'], displayName: c.store.group(c.params['id']!).displayName }, selectOf(c.query))),
  },
  { method: 'GET', path: '/groups/{id}/members/microsoft.graph.user', handle: (c) => membersPage(c, '/microsoft.graph.user') },
  { method: 'GET', path: '/groups/{id}/members', handle: (c) => membersPage(c) },
  {
    method: 'POST',
    path: '/groups/{id}/members/$ref',
    handle: (c) => {
      c.store.addMember(c.params['id']!, refId(c.body));
      return noContent;
    },
  },
  {
    method: 'DELETE',
    path: '/groups/{id}/members/{memberId}/$ref',
    handle: (c) => {
      c.store.removeMember(c.params['id']!, c.params['memberId']!);
      return noContent;
    },
  },
];
