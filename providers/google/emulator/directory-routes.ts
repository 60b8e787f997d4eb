import type { EmulatedGroup, EmulatedMember, EmulatedUser } from './store.js';
import type { GoogleRoute, RouteContext } from './api.js';
import { GoogleApiError, invalid, maxResults, notFound, pageOf } from './wire.js';
import { SCOPE } from '../scopes.js';

/**
 * Directory API v1 (https://developers.google.com/workspace/admin/directory/reference/rest):
 * the users, security (tokens, app passwords, backup codes, 2-Step Verification) and
 * group membership endpoints Lockstep uses.
 */

const U = '/admin/directory/v1/users';
const G = '/admin/directory/v1/groups';
const USER_READ = [SCOPE.user, SCOPE.userReadonly];
const SECURITY = [SCOPE.userSecurity];
const GROUP_READ = [SCOPE.group, SCOPE.groupReadonly];
const MEMBER_READ = [SCOPE.group, SCOPE.groupReadonly, SCOPE.groupMember, SCOPE.groupMemberReadonly];
const MEMBER_WRITE = [SCOPE.group, SCOPE.groupMember];

/** An opaque version tag that changes with the fields that can change. */
const etag = (...parts: unknown[]): string => `"${Buffer.from(parts.join('|')).toString('base64url')}"`;

export function renderUser(u: EmulatedUser, customerId: string): Record<string, unknown> {
  const [givenName = u.fullName, ...rest] = u.fullName.split(' ');
  const body: Record<string, unknown> = {
    kind: 'admin#directory#user',
    id: u.id,
    primaryEmail: u.primaryEmail,
    name: { givenName, familyName: rest.join(' ') || givenName, fullName: u.fullName },
    isAdmin: false,
    isDelegatedAdmin: false,
    lastLoginTime: u.lastLoginTime,
    creationTime: u.creationTime,
    agreedToTerms: true,
    suspended: u.suspended,
    ...(u.suspended ? { suspensionReason: 'ADMIN' } : {}),
    archived: u.archived,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: u.primaryEmail, primary: true }, ...u.aliases.map((address) => ({ address }))],
    ...(u.externalIds.length ? { externalIds: u.externalIds } : {}),
    ...(u.aliases.length ? { aliases: u.aliases } : {}),
    customerId,
    orgUnitPath: '/',
    isMailboxSetup: true,
    isEnrolledIn2Sv: u.isEnrolledIn2Sv,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  };
  return { ...body, etag: etag(u.id, u.suspended, u.archived, u.aliases.length, u.isEnrolledIn2Sv) };
}

function renderGroup(g: EmulatedGroup): Record<string, unknown> {
  const body = { kind: 'admin#directory#group', id: g.id, email: g.email, name: g.name, directMembersCount: String(g.members.size), description: '', adminCreated: true };
  return { ...body, etag: etag(g.id, g.email, g.members.size) };
}

function renderMember(m: EmulatedMember): Record<string, unknown> {
  return { kind: 'admin#directory#member', etag: etag(m.id, m.role), id: m.id, email: m.email, role: m.role, type: m.type, status: m.status };
}

/** users.list and groups.list name their customer (`my_customer` or its id) or its domain. */
function checkCustomer(ctx: RouteContext): void {
  const customer = ctx.query.get('customer');
  const domain = ctx.query.get('domain');
  if (customer) {
    if (customer !== 'my_customer' && customer !== ctx.customerId) throw new GoogleApiError(400, 'badRequest', 'Bad Request');
  } else if (!domain) {
    throw new GoogleApiError(400, 'badRequest', 'Bad Request');
  } else if (domain.toLowerCase() !== ctx.store.domain.toLowerCase()) {
    throw new GoogleApiError(403, 'forbidden', 'Not Authorized to access this resource/api');
  }
}

/**
 * One page of a listing: `maxResults` from 1 to the listing's maximum (users.list 500,
 * groups.list and members.list 200; a larger one is refused 400 invalid), with an opaque
 * nextPageToken while more follow
 * (https://developers.google.com/workspace/admin/directory/reference/rest/v1/users/list,
 * .../v1/groups/list, .../v1/members/list).
 */
function list<T extends { seq: number }>(ctx: RouteContext, listing: string, all: T[], max: number, fallback: number): { items: T[]; next?: string } {
  const size = maxResults(ctx.query, max, fallback);
  const { items, next } = pageOf(all, ctx.pages.read(listing, ctx.query.get('pageToken')), size);
  return { items, ...(next !== undefined ? { next: ctx.pages.issue(listing, next) } : {}) };
}

const isRole = (r: unknown): r is EmulatedMember['role'] => r === 'MEMBER' || r === 'MANAGER' || r === 'OWNER';

function resolveMember(ctx: RouteContext, key: string): { id: string; email: string; type: 'USER' | 'GROUP' } {
  const user = ctx.store.findUser(key);
  if (user) return { id: user.id, email: user.primaryEmail, type: 'USER' };
  try {
    const g = ctx.store.group(key);
    return { id: g.id, email: g.email, type: 'GROUP' };
  } catch {
    throw notFound('memberKey');
  }
}

function membership(ctx: RouteContext): { group: EmulatedGroup; member: EmulatedMember | undefined } {
  const group = ctx.store.group(ctx.params['groupKey']!);
  const key = ctx.params['memberKey']!;
  const member = group.members.get(key) ?? [...group.members.values()].find((m) => m.email.toLowerCase() === key.toLowerCase());
  return { group, member };
}

export const DIRECTORY_ROUTES: readonly GoogleRoute[] = [
  {
    method: 'GET',
    path: U,
    scopes: USER_READ,
    handle(ctx) {
      checkCustomer(ctx);
      const page = list(ctx, 'users', [...ctx.store.users.values()], 500, 100);
      return {
        kind: 'admin#directory#users',
        ...(page.items.length ? { users: page.items.map((u) => renderUser(u, ctx.customerId)) } : {}),
        ...(page.next ? { nextPageToken: page.next } : {}),
      };
    },
  },
  { method: 'GET', path: `${U}/{userKey}`, scopes: USER_READ, handle: (ctx) => renderUser(ctx.store.user(ctx.params['userKey']!), ctx.customerId) },
  ...(['PUT', 'PATCH'] as const).map((method): GoogleRoute => ({
    method,
    path: `${U}/{userKey}`,
    scopes: [SCOPE.user],
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const body = ctx.body();
      for (const key of ['suspended', 'archived'] as const) {
        const v = body[key];
        if (v === undefined) continue;
        if (typeof v !== 'boolean') throw invalid(`Invalid Input: ${key}`);
        user[key] = v;
      }
      return renderUser(user, ctx.customerId);
    },
  })),
  {
    method: 'DELETE',
    path: `${U}/{userKey}`,
    scopes: [SCOPE.user],
    handle(ctx) {
      ctx.store.deleteUser(ctx.params['userKey']!);
      return null;
    },
  },
  {
    method: 'POST',
    path: `${U}/{userKey}/signOut`,
    scopes: SECURITY,
    handle(ctx) {
      ctx.store.user(ctx.params['userKey']!).sessions = 0;
      return null;
    },
  },
  {
    method: 'GET',
    path: `${U}/{userKey}/tokens`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const items = user.tokens.map((t) => ({ kind: 'admin#directory#token', ...t, userKey: user.id, etag: etag(t.clientId) }));
      return { kind: 'admin#directory#tokenList', ...(items.length ? { items } : {}) };
    },
  },
  {
    method: 'DELETE',
    path: `${U}/{userKey}/tokens/{clientId}`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const before = user.tokens.length;
      user.tokens = user.tokens.filter((t) => t.clientId !== ctx.params['clientId']);
      if (user.tokens.length === before) throw notFound('clientId');
      return null;
    },
  },
  {
    method: 'GET',
    path: `${U}/{userKey}/asps`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const items = user.asps.map((a) => ({ kind: 'admin#directory#asp', ...a, userKey: user.id, etag: etag(a.codeId) }));
      return { kind: 'admin#directory#aspList', ...(items.length ? { items } : {}) };
    },
  },
  {
    method: 'DELETE',
    path: `${U}/{userKey}/asps/{codeId}`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const codeId = Number(ctx.params['codeId']);
      if (!Number.isInteger(codeId)) throw invalid(`Invalid value '${ctx.params['codeId']}' for codeId`);
      const before = user.asps.length;
      user.asps = user.asps.filter((a) => a.codeId !== codeId);
      if (user.asps.length === before) throw notFound('codeId');
      return null;
    },
  },
  {
    method: 'GET',
    path: `${U}/{userKey}/verificationCodes`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      const items = user.backupCodes.map((verificationCode) => ({ kind: 'admin#directory#verificationCode', userId: user.id, verificationCode }));
      return { kind: 'admin#directory#verificationCodesList', ...(items.length ? { items } : {}) };
    },
  },
  {
    method: 'POST',
    path: `${U}/{userKey}/verificationCodes/invalidate`,
    scopes: SECURITY,
    handle(ctx) {
      ctx.store.user(ctx.params['userKey']!).backupCodes = [];
      return null;
    },
  },
  {
    method: 'POST',
    path: `${U}/{userKey}/twoStepVerification/turnOff`,
    scopes: SECURITY,
    handle(ctx) {
      const user = ctx.store.user(ctx.params['userKey']!);
      if (!user.isEnrolledIn2Sv) throw invalid('2-Step Verification is not enabled for this user');
      user.isEnrolledIn2Sv = false;
      user.backupCodes = [];
      return null;
    },
  },
  {
    method: 'GET',
    path: G,
    scopes: GROUP_READ,
    handle(ctx) {
      // userKey lists the groups the user is a direct member of; otherwise the customer's groups.
      const userKey = ctx.query.get('userKey');
      let groups = [...ctx.store.groups.values()];
      if (userKey) {
        const user = ctx.store.user(userKey);
        groups = groups.filter((g) => g.members.has(user.id));
      } else {
        checkCustomer(ctx);
      }
      const page = list(ctx, userKey ? `groups of ${userKey}` : 'groups', groups, 200, 200);
      return {
        kind: 'admin#directory#groups',
        ...(page.items.length ? { groups: page.items.map(renderGroup) } : {}),
        ...(page.next ? { nextPageToken: page.next } : {}),
      };
    },
  },
  {
    method: 'GET',
    path: `${G}/{groupKey}/members`,
    scopes: MEMBER_READ,
    handle(ctx) {
      const group = ctx.store.group(ctx.params['groupKey']!);
      const page = list(ctx, `members:${group.id}`, [...group.members.values()], 200, 200);
      return {
        kind: 'admin#directory#members',
        ...(page.items.length ? { members: page.items.map(renderMember) } : {}),
        ...(page.next ? { nextPageToken: page.next } : {}),
      };
    },
  },
  {
    method: 'POST',
    path: `${G}/{groupKey}/members`,
    scopes: MEMBER_WRITE,
    handle(ctx) {
      const group = ctx.store.group(ctx.params['groupKey']!);
      const body = ctx.body();
      const key = typeof body['id'] === 'string' ? body['id'] : typeof body['email'] === 'string' ? body['email'] : undefined;
      if (!key) throw new GoogleApiError(400, 'required', 'Missing required field: memberKey');
      const role = body['role'] ?? 'MEMBER';
      if (!isRole(role)) throw invalid('Invalid Input: role');
      const who = resolveMember(ctx, key);
      if (who.id === group.id) throw invalid('Invalid Input: memberKey');
      if (group.members.has(who.id)) throw new GoogleApiError(409, 'duplicate', 'Member already exists.');
      const member: EmulatedMember = { ...ctx.store.member(who.id, who.email, who.type), role };
      group.members.set(who.id, member);
      return renderMember(member);
    },
  },
  {
    method: 'GET',
    path: `${G}/{groupKey}/members/{memberKey}`,
    scopes: MEMBER_READ,
    handle(ctx) {
      const { member } = membership(ctx);
      if (!member) throw notFound('memberKey');
      return renderMember(member);
    },
  },
  {
    method: 'DELETE',
    path: `${G}/{groupKey}/members/{memberKey}`,
    scopes: MEMBER_WRITE,
    handle(ctx) {
      const { group, member } = membership(ctx);
      if (!member) throw notFound('memberKey');
      group.members.delete(member.id);
      return null;
    },
  },
  {
    method: 'GET',
    path: `${G}/{groupKey}/hasMember/{memberKey}`,
    scopes: MEMBER_READ,
    handle(ctx) {
      const { member } = membership(ctx);
      return { isMember: member !== undefined };
    },
  },
];
