import type { ObservedAccount, ObservedProvider } from '../../../src/types/index.js';
import type { OktaUserStatus } from '../mapping.js';

/**
 * The emulator's data: Okta users, groups, memberships and each user's live
 * credentials, with the lifecycle rules Okta documents for the operations Lockstep
 * uses. Invariants: user ids and logins are unique; a membership names an existing
 * user and group; a deleted user leaves no membership or credential behind.
 */
export interface StoredUser {
  id: string;
  status: OktaUserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  profile: {
    login: string;
    email: string | null;
    secondEmail: string | null;
    firstName: string | null;
    lastName: string | null;
    displayName: string | null;
    employeeNumber: string | null;
  };
}

export interface StoredGroup {
  id: string;
  name: string;
  description: string | null;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  /** Member user ids in the order they were added. */
  members: Set<string>;
}

export interface StoredGrant {
  id: string;
  clientId: string;
  scopeId: string;
  created: string;
}

/** What one user holds: counted where Okta has no listing API, itemised where it does. */
export interface StoredCredentials {
  sessions: number;
  rememberedDevices: number;
  /** Refresh tokens per OAuth client id. */
  refreshTokens: Map<string, number>;
  grants: StoredGrant[];
  factors: { id: string; factorType: string; provider: string; created: string }[];
}

/** A rule of Okta's API broken by a request: answered as an Okta error body. */
export class OktaRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    summary: string,
    readonly causes: string[] = [],
  ) {
    super(summary);
  }
}

/** The OAuth client every seeded active user has signed in to. */
export const SEED_CLIENT = { id: '0oa1lockstepportal', name: 'Acme Portal' } as const;

const notFound = (id: string, kind: string) => new OktaRequestError(404, 'E0000007', `Not found: Resource not found: ${id} (${kind})`);

const FROM_OBSERVED: Record<ObservedAccount['status'], OktaUserStatus> = { active: 'ACTIVE', suspended: 'SUSPENDED', deprovisioned: 'DEPROVISIONED' };

export class OktaStore {
  readonly users = new Map<string, StoredUser>();
  readonly groups = new Map<string, StoredGroup>();
  readonly credentials = new Map<string, StoredCredentials>();
  private counter = 0;

  constructor(seed?: ObservedProvider, statuses: Record<string, OktaUserStatus> = {}) {
    if (seed) this.seed(seed, statuses);
  }

  /** Loads an observed provider; `statuses` refines an account's Okta status (e.g. STAGED). */
  seed(observed: ObservedProvider, statuses: Record<string, OktaUserStatus> = {}): void {
    const now = new Date().toISOString();
    for (const a of observed.accounts) {
      const status = statuses[a.id] ?? FROM_OBSERVED[a.status];
      const [firstName, ...rest] = (a.displayName ?? '').split(' ').filter(Boolean);
      const created = a.createdAt ?? now;
      this.users.set(a.id, {
        id: a.id,
        status,
        created,
        activated: status === 'STAGED' ? null : created,
        statusChanged: created,
        lastLogin: a.lastLoginAt ?? null,
        lastUpdated: created,
        profile: {
          login: a.login,
          email: a.emails?.[0] ?? null,
          secondEmail: a.emails?.[1] ?? null,
          firstName: firstName ?? null,
          lastName: rest.length ? rest.join(' ') : null,
          displayName: a.displayName ?? null,
          employeeNumber: a.externalId ?? null,
        },
      });
      this.credentials.set(a.id, status === 'ACTIVE' ? this.seededCredentials(a.id, created) : emptyCredentials());
    }
    for (const g of observed.groups) {
      this.groups.set(g.id, {
        id: g.id,
        name: g.name,
        description: null,
        created: now,
        lastUpdated: now,
        lastMembershipUpdated: now,
        members: new Set(g.members.filter((m) => this.users.has(m))),
      });
    }
  }

  /** A user by id or by login, as Okta's `/users/{idOrLogin}` resolves it. */
  user(idOrLogin: string): StoredUser {
    const byId = this.users.get(idOrLogin);
    if (byId) return byId;
    const wanted = idOrLogin.toLowerCase();
    for (const u of this.users.values()) if (u.profile.login.toLowerCase() === wanted) return u;
    throw notFound(idOrLogin, 'User');
  }

  group(id: string): StoredGroup {
    const g = this.groups.get(id);
    if (!g) throw notFound(id, 'UserGroup');
    return g;
  }

  creds(userId: string): StoredCredentials {
    let c = this.credentials.get(userId);
    if (!c) this.credentials.set(userId, (c = emptyCredentials()));
    return c;
  }

  /**
   * Okta suspends only ACTIVE users
   * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/).
   */
  suspend(user: StoredUser): void {
    if (user.status !== 'ACTIVE')
      throw new OktaRequestError(400, 'E0000001', 'Api validation failed: suspend', [`Cannot suspend a user that is not ACTIVE (status is ${user.status})`]);
    this.setStatus(user, 'SUSPENDED');
  }

  unsuspend(user: StoredUser): void {
    if (user.status !== 'SUSPENDED')
      throw new OktaRequestError(400, 'E0000001', 'Api validation failed: unsuspend', [`Cannot unsuspend a user that is not SUSPENDED (status is ${user.status})`]);
    this.setStatus(user, 'ACTIVE');
  }

  /** Okta deactivates a user in any status but DEPROVISIONED; deactivating a deactivated user is refused. */
  deactivate(user: StoredUser): void {
    if (user.status === 'DEPROVISIONED')
      throw new OktaRequestError(400, 'E0000001', 'Api validation failed: deactivate', ['Cannot deactivate a user that is already DEPROVISIONED']);
    this.setStatus(user, 'DEPROVISIONED');
  }

  /** Okta activates only STAGED or DEPROVISIONED users. */
  activate(user: StoredUser): void {
    if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') {
      throw new OktaRequestError(403, 'E0000016', 'Activation failed because the user is already active');
    }
    user.activated = new Date().toISOString();
    this.setStatus(user, 'ACTIVE');
  }

  /** DELETE on a user that is not DEPROVISIONED only deactivates it; a second DELETE removes it. */
  delete(user: StoredUser): 'deactivated' | 'deleted' {
    if (user.status !== 'DEPROVISIONED') {
      this.setStatus(user, 'DEPROVISIONED');
      return 'deactivated';
    }
    this.users.delete(user.id);
    this.credentials.delete(user.id);
    for (const g of this.groups.values()) if (g.members.delete(user.id)) g.lastMembershipUpdated = new Date().toISOString();
    return 'deleted';
  }

  addMember(group: StoredGroup, user: StoredUser): void {
    if (!group.members.has(user.id)) {
      group.members.add(user.id);
      group.lastMembershipUpdated = new Date().toISOString();
    }
  }

  removeMember(group: StoredGroup, user: StoredUser): void {
    if (group.members.delete(user.id)) group.lastMembershipUpdated = new Date().toISOString();
  }

  /** Ends every session; with oauthTokens also the refresh tokens, with forgetDevices the remembered devices. */
  endSessions(user: StoredUser, opts: { oauthTokens: boolean; forgetDevices: boolean }): void {
    const c = this.creds(user.id);
    c.sessions = 0;
    if (opts.oauthTokens) c.refreshTokens.clear();
    if (opts.forgetDevices) c.rememberedDevices = 0;
  }

  /** OAuth clients holding a refresh token or a grant for the user. */
  clientsOf(user: StoredUser): string[] {
    const c = this.creds(user.id);
    return [...new Set([...[...c.refreshTokens].filter(([, n]) => n > 0).map(([id]) => id), ...c.grants.map((g) => g.clientId)])].sort();
  }

  /** Counts for the contract's credential checks: OAuth tokens include consent grants. */
  credentialCounts(userId: string): { sessions: number; tokens: number; factors: number } {
    const c = this.credentials.get(userId) ?? emptyCredentials();
    const refresh = [...c.refreshTokens.values()].reduce((a, b) => a + b, 0);
    return { sessions: c.sessions, tokens: refresh + c.grants.length, factors: c.factors.length };
  }

  /** The state in Lockstep's observed form, mapped independently of the provider. */
  observed(type = 'okta'): ObservedProvider {
    const status = (s: OktaUserStatus): ObservedAccount['status'] => (s === 'SUSPENDED' ? 'suspended' : s === 'DEPROVISIONED' ? 'deprovisioned' : 'active');
    return {
      type,
      accounts: [...this.users.values()].map((u) => {
        const emails = [u.profile.email, u.profile.secondEmail].filter((e): e is string => !!e);
        return {
          id: u.id,
          login: u.profile.login,
          status: status(u.status),
          ...(emails.length ? { emails: [...new Set(emails)] } : {}),
          ...(u.profile.employeeNumber ? { externalId: u.profile.employeeNumber } : {}),
          ...(u.profile.displayName ? { displayName: u.profile.displayName } : {}),
          ...(u.lastLogin ? { lastLoginAt: u.lastLogin } : {}),
          createdAt: u.created,
        };
      }),
      groups: [...this.groups.values()].map((g) => ({ id: g.id, name: g.name, members: [...g.members] })),
    };
  }

  private setStatus(user: StoredUser, status: OktaUserStatus): void {
    const now = new Date().toISOString();
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
  }

  private seededCredentials(userId: string, created: string): StoredCredentials {
    const n = ++this.counter;
    return {
      sessions: 1,
      rememberedDevices: 1,
      refreshTokens: new Map([[SEED_CLIENT.id, 1]]),
      grants: [{ id: `oag${n}${userId}`.slice(0, 20), clientId: SEED_CLIENT.id, scopeId: 'scp1openid', created }],
      factors: [{ id: `mfa${n}${userId}`.slice(0, 20), factorType: 'token:software:totp', provider: 'GOOGLE', created }],
    };
  }
}

function emptyCredentials(): StoredCredentials {
  return { sessions: 0, rememberedDevices: 0, refreshTokens: new Map(), grants: [], factors: [] };
}
