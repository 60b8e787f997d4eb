import { randomUUID } from 'node:crypto';
import type { ObservedProvider } from '../../../src/types/index.js';
import { GraphApiError } from './wire.js';

/**
 * The directory behind the Graph emulator: users with their licences, sign-in sessions
 * and authentication methods, groups with members, delegated permission grants, and an
 * append-only change log that delta queries read (every change gets a sequence number).
 */

/** Authentication method types and the segment of their type-specific endpoint. */
export const METHOD_SEGMENTS: Readonly<Record<string, string>> = {
  '#microsoft.graph.passwordAuthenticationMethod': 'passwordMethods',
  '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
  '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
  '#microsoft.graph.softwareOathAuthenticationMethod': 'softwareOathMethods',
  '#microsoft.graph.emailAuthenticationMethod': 'emailMethods',
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'temporaryAccessPassMethods',
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'windowsHelloForBusinessMethods',
};

/** A licence every seeded user holds (Microsoft 365 E3's SKU id). */
export const SEED_SKU = '05e9a617-0261-4cee-bb44-138d3ef5d965';

export interface AuthMethod {
  id: string;
  '@odata.type': string;
}

export interface User {
  ord: number;
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  otherMails: string[];
  proxyAddresses: string[];
  accountEnabled: boolean;
  employeeId: string | null;
  createdDateTime: string;
  lastSignInDateTime: string | null;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  /** Refresh tokens and session cookies issued before this are invalid (revokeSignInSessions sets it to now). */
  signInSessionsValidFromDateTime: string;
  sessions: number;
  methods: AuthMethod[];
  /** The id of the user's default multifactor method, or null: it cannot be deleted while other methods remain. */
  defaultMethod: string | null;
}

export interface Group {
  ord: number;
  id: string;
  displayName: string;
  members: Set<string>;
}

export interface Grant {
  id: string;
  clientId: string;
  consentType: 'Principal';
  principalId: string;
  resourceId: string;
  scope: string;
}

/** A user changed, a group created or deleted (no `member`), or a membership changed. */
export interface ChangeEvent {
  seq: number;
  kind: 'user' | 'group';
  id: string;
  member?: string;
}

export class EntraStore {
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly grants = new Map<string, Grant>();
  /** Users deleted, as they were when deleted (Graph keeps them in deletedItems). */
  readonly deletedUsers = new Map<string, User>();
  readonly log: ChangeEvent[] = [];
  private ord = 0;

  constructor(seed?: ObservedProvider) {
    for (const a of seed?.accounts ?? []) {
      const [mail, ...aliases] = a.emails ?? [];
      const active = a.status === 'active';
      this.addUser({
        id: a.id,
        userPrincipalName: a.login,
        displayName: a.displayName ?? a.login.split('@')[0]!,
        mail: mail ?? null,
        proxyAddresses: mail ? [`SMTP:${mail}`, ...aliases.map((x) => `smtp:${x}`)] : [],
        accountEnabled: active,
        employeeId: a.externalId ?? null,
        createdDateTime: a.createdAt ?? '2024-01-15T09:00:00Z',
        lastSignInDateTime: a.lastLoginAt ?? null,
        credentials: active,
      });
    }
    for (const g of seed?.groups ?? []) this.addGroup(g.id, g.name, g.members);
  }

  get seq(): number {
    return this.log.at(-1)?.seq ?? 0;
  }

  record(event: Omit<ChangeEvent, 'seq'>): void {
    this.log.push({ ...event, seq: this.seq + 1 });
  }

  addUser(u: Partial<User> & { userPrincipalName: string; credentials?: boolean }): User {
    const id = u.id ?? randomUUID();
    if (this.users.has(id)) throw new GraphApiError(400, 'Request_BadRequest', `Another object with the same value for property id already exists.`);
    const withCredentials = u.credentials ?? true;
    const user: User = {
      ord: ++this.ord,
      id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName ?? u.userPrincipalName,
      mail: u.mail === undefined ? u.userPrincipalName : u.mail,
      otherMails: u.otherMails ?? [],
      proxyAddresses: u.proxyAddresses ?? [],
      accountEnabled: u.accountEnabled ?? true,
      employeeId: u.employeeId ?? null,
      createdDateTime: u.createdDateTime ?? new Date().toISOString(),
      lastSignInDateTime: u.lastSignInDateTime ?? null,
      assignedLicenses: [{ skuId: SEED_SKU, disabledPlans: [] }],
      signInSessionsValidFromDateTime: u.createdDateTime ?? new Date().toISOString(),
      sessions: withCredentials ? 1 : 0,
      methods: [{ id: '28c10230-6103-485e-b985-444c60001490', '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' }],
      defaultMethod: null,
    };
    if (withCredentials) {
      const authenticator = randomUUID();
      user.methods.push({ id: authenticator, '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod' });
      user.defaultMethod = authenticator;
      user.methods.push({ id: '3179e48a-750b-4051-897c-87b9720928f7', '@odata.type': '#microsoft.graph.phoneAuthenticationMethod' });
      const grant: Grant = {
        id: randomUUID(),
        clientId: randomUUID(),
        consentType: 'Principal',
        principalId: id,
        resourceId: randomUUID(),
        scope: 'User.Read Mail.Read',
      };
      this.grants.set(grant.id, grant);
    }
    this.users.set(id, user);
    this.record({ kind: 'user', id });
    return user;
  }

  addGroup(id: string, displayName: string, members: readonly string[] = []): Group {
    const group: Group = { ord: ++this.ord, id, displayName, members: new Set(members) };
    this.groups.set(id, group);
    this.record({ kind: 'group', id });
    return group;
  }

  user(id: string): User {
    const u = this.users.get(id);
    if (!u) throw notFound(id);
    return u;
  }

  group(id: string): Group {
    const g = this.groups.get(id);
    if (!g) throw notFound(id);
    return g;
  }

  updateUser(id: string, patch: Partial<Pick<User, 'accountEnabled' | 'displayName' | 'mail' | 'otherMails' | 'employeeId' | 'proxyAddresses'>>): void {
    const u = this.user(id);
    Object.assign(u, patch);
    this.record({ kind: 'user', id });
  }

  deleteUser(id: string): void {
    const u = this.user(id);
    this.users.delete(id);
    this.deletedUsers.set(id, u);
    for (const g of this.groups.values()) if (g.members.delete(id)) this.record({ kind: 'group', id: g.id, member: id });
    for (const [gid, grant] of this.grants) if (grant.principalId === id) this.grants.delete(gid);
    this.record({ kind: 'user', id });
  }

  deleteGroup(id: string): void {
    this.group(id);
    this.groups.delete(id);
    this.record({ kind: 'group', id });
  }

  addMember(groupId: string, userId: string): void {
    const g = this.group(groupId);
    if (!this.users.has(userId)) throw notFound(userId);
    if (g.members.has(userId))
      throw new GraphApiError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
    g.members.add(userId);
    this.record({ kind: 'group', id: groupId, member: userId });
  }

  removeMember(groupId: string, userId: string): void {
    const g = this.group(groupId);
    if (!g.members.delete(userId)) throw notFound(userId);
    this.record({ kind: 'group', id: groupId, member: userId });
  }

  grantsOf(principalId: string): Grant[] {
    return [...this.grants.values()].filter((g) => g.principalId === principalId);
  }

  observed(): ObservedProvider {
    return {
      type: 'entra',
      observedAt: new Date().toISOString(),
      accounts: [...this.users.values()].map((u) => ({
        id: u.id,
        login: u.userPrincipalName,
        status: u.accountEnabled ? 'active' : 'suspended',
        emails: emailsOf(u),
        externalId: u.employeeId,
        displayName: u.displayName,
      })),
      groups: [...this.groups.values()].map((g) => ({ id: g.id, name: g.displayName, members: [...g.members] })),
    };
  }

  credentials(id: string): { sessions: number; tokens: number; factors: number } {
    const u = this.users.get(id) ?? this.deletedUsers.get(id);
    if (!u) return { sessions: 0, tokens: 0, factors: 0 };
    const factors = u.methods.filter((m) => m['@odata.type'] !== '#microsoft.graph.passwordAuthenticationMethod').length;
    return { sessions: u.sessions, tokens: this.grantsOf(id).length, factors };
  }
}

export function emailsOf(u: Pick<User, 'mail' | 'otherMails' | 'proxyAddresses'>): string[] {
  const smtp = u.proxyAddresses.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5));
  return [...new Set([u.mail, ...u.otherMails, ...smtp].filter((x): x is string => !!x).map((x) => x.toLowerCase()))];
}

export function notFound(id: string): GraphApiError {
  return new GraphApiError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}
