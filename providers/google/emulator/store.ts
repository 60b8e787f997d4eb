import { randomBytes } from 'node:crypto';
import type { ObservedAccount, ObservedProvider } from '../../../src/types/index.js';
import { GoogleApiError, notFound } from './wire.js';

/** Ten 8-digit backup verification codes. */
function backupCodes(): string[] {
  const bytes = randomBytes(40);
  return Array.from({ length: 10 }, (_, i) => String(bytes.readUInt32BE(i * 4) % 100_000_000).padStart(8, '0'));
}

/** Google's "never signed in" lastLoginTime. */
export const NEVER = '1970-01-01T00:00:00.000Z';

export interface EmulatedToken {
  clientId: string;
  displayText: string;
  scopes: string[];
  anonymous: boolean;
  nativeApp: boolean;
}

export interface EmulatedAsp {
  codeId: number;
  name: string;
  creationTime: string;
  lastTimeUsed: string;
}

export interface EmulatedUser {
  seq: number;
  id: string;
  primaryEmail: string;
  fullName: string;
  suspended: boolean;
  archived: boolean;
  aliases: string[];
  externalIds: { value: string; type: string }[];
  lastLoginTime: string;
  creationTime: string;
  isEnrolledIn2Sv: boolean;
  /** Web and device sessions; signOut ends them all. */
  sessions: number;
  tokens: EmulatedToken[];
  asps: EmulatedAsp[];
  backupCodes: string[];
}

export interface EmulatedMember {
  seq: number;
  id: string;
  email: string;
  role: 'OWNER' | 'MANAGER' | 'MEMBER';
  type: 'USER' | 'GROUP';
  status: string;
}

export interface EmulatedGroup {
  seq: number;
  id: string;
  email: string;
  name: string;
  members: Map<string, EmulatedMember>;
}

/**
 * The state of one emulated Workspace customer: users with their credentials (sessions,
 * OAuth tokens, app passwords, backup codes, 2-Step Verification), groups with direct
 * members, and data transfers (kept by the TransferBook, transfers.ts).
 */
export class GoogleStore {
  readonly users = new Map<string, EmulatedUser>();
  readonly groups = new Map<string, EmulatedGroup>();
  readonly domain: string;
  private seqCounter = 0;

  constructor(seed: ObservedProvider | undefined, domain?: string) {
    const firstLogin = seed?.accounts.find((a) => a.login.includes('@'))?.login;
    this.domain = domain ?? firstLogin?.split('@')[1] ?? 'example.com';
    for (const a of seed?.accounts ?? []) this.addUser(a);
    for (const g of seed?.groups ?? []) {
      this.groups.set(g.id, { seq: this.nextSeq(), id: g.id, email: g.name, name: g.name.split('@')[0] ?? g.name, members: new Map() });
    }
    for (const g of seed?.groups ?? []) {
      const group = this.groups.get(g.id)!;
      for (const m of g.members) {
        const user = this.users.get(m);
        const sub = this.groups.get(m);
        if (user) group.members.set(m, this.member(user.id, user.primaryEmail, 'USER'));
        else if (sub) group.members.set(m, this.member(sub.id, sub.email, 'GROUP'));
      }
    }
  }

  nextSeq(): number {
    return ++this.seqCounter;
  }

  member(id: string, email: string, type: 'USER' | 'GROUP'): EmulatedMember {
    return { seq: this.nextSeq(), id, email, role: 'MEMBER', type, status: 'ACTIVE' };
  }

  /** A user by id, primary email or alias (case-insensitive for addresses); 404 otherwise. */
  user(userKey: string): EmulatedUser {
    const found = this.findUser(userKey);
    if (!found) throw notFound('userKey');
    return found;
  }

  findUser(userKey: string): EmulatedUser | undefined {
    const byId = this.users.get(userKey);
    if (byId) return byId;
    const key = userKey.toLowerCase();
    for (const u of this.users.values()) {
      if (u.primaryEmail.toLowerCase() === key || u.aliases.some((a) => a.toLowerCase() === key)) return u;
    }
    return undefined;
  }

  group(groupKey: string): EmulatedGroup {
    const byId = this.groups.get(groupKey);
    if (byId) return byId;
    const key = groupKey.toLowerCase();
    for (const g of this.groups.values()) if (g.email.toLowerCase() === key) return g;
    throw notFound('groupKey');
  }

  deleteUser(userKey: string): void {
    const user = this.user(userKey);
    this.users.delete(user.id);
    for (const g of this.groups.values()) g.members.delete(user.id);
  }

  /** Live credentials as the contract counts them: OAuth tokens and app passwords together. */
  credentials(id: string): { sessions: number; tokens: number; factors: number } {
    const u = this.users.get(id);
    if (!u) return { sessions: 0, tokens: 0, factors: 0 };
    return { sessions: u.sessions, tokens: u.tokens.length + u.asps.length, factors: u.isEnrolledIn2Sv ? 1 : 0 };
  }

  observed(): ObservedProvider {
    const accounts: ObservedAccount[] = [...this.users.values()].map((u) => ({
      id: u.id,
      login: u.primaryEmail,
      status: u.suspended || u.archived ? 'suspended' : 'active',
      emails: [...new Set([u.primaryEmail, ...u.aliases])],
      ...(u.externalIds.find((x) => x.type === 'organization') ? { externalId: u.externalIds.find((x) => x.type === 'organization')!.value } : {}),
      ...(u.fullName ? { displayName: u.fullName } : {}),
      createdAt: u.creationTime,
      lastLoginAt: u.lastLoginTime !== NEVER ? u.lastLoginTime : null,
      factors: u.isEnrolledIn2Sv ? 1 : 0,
    }));
    const groups = [...this.groups.values()].map((g) => ({
      id: g.id,
      name: g.email,
      members: [...g.members.values()].filter((m) => m.type === 'USER').map((m) => m.id),
    }));
    return { type: 'google', observedAt: new Date().toISOString(), accounts, groups };
  }

  /**
   * Archives a user: an Archived User licence replaces its licence, so it cannot sign in,
   * while `suspended` stays false (https://support.google.com/a/answer/9048836).
   */
  archive(id: string): void {
    const user = this.user(id);
    user.archived = true;
    user.suspended = false;
    user.sessions = 0;
  }

  private addUser(a: ObservedAccount): void {
    if (this.users.has(a.id)) throw new GoogleApiError(409, 'duplicate', `Entity already exists: ${a.id}`);
    const active = a.status === 'active';
    const enrolled = a.factors !== undefined ? a.factors > 0 : active;
    const created = a.createdAt ?? '2024-01-15T09:00:00.000Z';
    this.users.set(a.id, {
      seq: this.nextSeq(),
      id: a.id,
      primaryEmail: a.login,
      fullName: a.displayName ?? a.login.split('@')[0] ?? a.login,
      suspended: !active,
      archived: false,
      aliases: (a.emails ?? []).filter((e) => e.toLowerCase() !== a.login.toLowerCase()),
      externalIds: a.externalId ? [{ value: a.externalId, type: 'organization' }] : [],
      lastLoginTime: a.lastLoginAt ?? NEVER,
      creationTime: created,
      isEnrolledIn2Sv: enrolled,
      sessions: active ? 1 : 0,
      tokens: active
        ? [
            {
              clientId: `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`,
              displayText: 'Slack',
              scopes: ['openid', 'email'],
              anonymous: false,
              nativeApp: false,
            },
          ]
        : [],
      asps: active ? [{ codeId: this.nextSeq(), name: 'Mail on laptop', creationTime: String(Date.parse(created)), lastTimeUsed: '0' }] : [],
      backupCodes: enrolled ? backupCodes() : [],
    });
  }
}
