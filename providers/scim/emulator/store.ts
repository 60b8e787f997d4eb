import { randomUUID } from 'node:crypto';
import type { ObservedProvider } from '../../../src/types/index.js';
import { matchesFilter, type FilterNode } from './filter.js';
import { applyPatch, ScimRequestError } from './patch.js';
import { SCIM_URN } from '../schema.js';

type Json = Record<string, unknown>;
export type ResourceKind = 'Users' | 'Groups';

/**
 * The emulator's data: SCIM Users and Groups kept as plain JSON, as a SCIM service
 * stores them. Invariants: userName is unique (case-insensitively), displayName of a
 * group is set, every member value names an existing user or group, and every change
 * bumps `meta.version` and `meta.lastModified` (an unchanged PATCH keeps both).
 */
export class ScimStore {
  private readonly data: Record<ResourceKind, Map<string, Json>> = { Users: new Map(), Groups: new Map() };
  private counter = 0;

  constructor(seed?: ObservedProvider) {
    if (seed) this.seed(seed);
  }

  /** Loads an observed provider (a snapshot) as SCIM resources; deprovisioned accounts become inactive users. */
  seed(observed: ObservedProvider): void {
    const now = new Date().toISOString();
    for (const a of observed.accounts) {
      const emails = (a.emails ?? []).map((value, i) => ({ value, type: 'work', primary: i === 0 }));
      const user: Json = { id: a.id, userName: a.login, active: a.status === 'active' };
      if (a.displayName) user['displayName'] = a.displayName;
      if (emails.length) user['emails'] = emails;
      if (a.externalId) user['externalId'] = a.externalId;
      if (a.lastLoginAt) user[SCIM_URN.activity] = { lastLogin: a.lastLoginAt };
      user['meta'] = { created: a.createdAt ?? now, lastModified: a.createdAt ?? now, version: this.nextVersion() };
      this.data.Users.set(a.id, user);
    }
    const logins = new Map(observed.accounts.map((a) => [a.id, a.login]));
    for (const g of observed.groups) {
      const members = g.members.map((value) => ({ value, display: logins.get(value), type: 'User' }));
      this.data.Groups.set(g.id, { id: g.id, displayName: g.name, members, meta: { created: now, lastModified: now, version: this.nextVersion() } });
    }
  }

  list(kind: ResourceKind, filter?: FilterNode): Json[] {
    const all = [...this.data[kind].values()];
    return filter ? all.filter((r) => matchesFilter(filter, r)) : all;
  }

  get(kind: ResourceKind, id: string): Json {
    const r = this.data[kind].get(id);
    if (!r) throw new ScimRequestError(404, undefined, `Resource ${id} not found`);
    return r;
  }

  create(kind: ResourceKind, body: unknown): Json {
    const id = randomUUID();
    const now = new Date().toISOString();
    const resource = this.validated(kind, { ...asObject(body), id }, id);
    resource['meta'] = { created: now, lastModified: now, version: this.nextVersion() };
    this.data[kind].set(id, resource);
    return resource;
  }

  /** PUT: replaces every writable attribute; id and meta.created are kept. */
  replace(kind: ResourceKind, id: string, body: unknown): Json {
    const current = this.get(kind, id);
    const next = this.validated(kind, { ...asObject(body), id }, id);
    return this.commit(kind, current, next);
  }

  patch(kind: ResourceKind, id: string, request: unknown): Json {
    const current = this.get(kind, id);
    const patched = applyPatch(current, request);
    if (patched['id'] !== id) throw new ScimRequestError(400, 'mutability', 'id is read-only');
    return this.commit(kind, current, this.validated(kind, patched, id));
  }

  delete(kind: ResourceKind, id: string): void {
    this.get(kind, id);
    this.data[kind].delete(id);
    for (const group of this.data.Groups.values()) {
      const members = (group['members'] as Json[] | undefined) ?? [];
      const kept = members.filter((m) => m['value'] !== id);
      if (kept.length !== members.length) this.commit('Groups', group, { ...group, members: kept });
    }
  }

  /** The entity tag of a resource's current version. */
  etag(resource: Json): string {
    return String((resource['meta'] as Json | undefined)?.['version'] ?? '');
  }

  /** Deep copies of every resource, for tests. */
  snapshot(): { users: Json[]; groups: Json[] } {
    return { users: structuredClone(this.list('Users')), groups: structuredClone(this.list('Groups')) };
  }

  /** The state in Lockstep's observed form (what a correct client should report). */
  observed(): ObservedProvider {
    return {
      type: 'scim',
      accounts: this.list('Users').map((u) => {
        const emails = ((u['emails'] as Json[] | undefined) ?? [])
          .slice()
          .sort((a, b) => Number(b['primary'] === true) - Number(a['primary'] === true))
          .map((e) => String(e['value']));
        const lastLogin = (u[SCIM_URN.activity] as Json | undefined)?.['lastLogin'];
        return {
          id: String(u['id']),
          login: String(u['userName']),
          status: u['active'] === false ? ('suspended' as const) : ('active' as const),
          ...(emails.length ? { emails } : {}),
          ...(u['externalId'] ? { externalId: String(u['externalId']) } : {}),
          ...(u['displayName'] ? { displayName: String(u['displayName']) } : {}),
          ...(lastLogin ? { lastLoginAt: String(lastLogin) } : {}),
        };
      }),
      groups: this.list('Groups').map((g) => ({
        id: String(g['id']),
        name: String(g['displayName']),
        members: ((g['members'] as Json[] | undefined) ?? []).map((m) => String(m['value'])),
      })),
    };
  }

  private nextVersion(): string {
    this.counter += 1;
    return `W/"${this.counter}"`;
  }

  private commit(kind: ResourceKind, current: Json, next: Json): Json {
    const { meta: _old, ...before } = current;
    const { meta: _new, ...after } = next;
    if (JSON.stringify(before) === JSON.stringify(after)) return current;
    const meta = { ...(current['meta'] as Json), lastModified: new Date().toISOString(), version: this.nextVersion() };
    const stored = { ...after, meta };
    this.data[kind].set(String(current['id']), stored);
    return stored;
  }

  private validated(kind: ResourceKind, body: Json, id: string): Json {
    const { schemas: _s, meta: _m, ...rest } = body;
    return kind === 'Users' ? this.validUser(rest, id) : this.validGroup(rest);
  }

  private validUser(user: Json, id: string): Json {
    const userName = user['userName'];
    if (typeof userName !== 'string' || !userName.trim()) throw new ScimRequestError(400, 'invalidValue', 'userName is required');
    if (user['active'] !== undefined && typeof user['active'] !== 'boolean') throw new ScimRequestError(400, 'invalidValue', 'active must be a boolean');
    if (user['emails'] !== undefined && !Array.isArray(user['emails'])) throw new ScimRequestError(400, 'invalidValue', 'emails must be a list');
    for (const other of this.data.Users.values()) {
      if (other['id'] !== id && String(other['userName']).toLowerCase() === userName.toLowerCase()) {
        throw new ScimRequestError(409, 'uniqueness', `userName ${userName} is already taken`);
      }
    }
    return user;
  }

  private validGroup(group: Json): Json {
    if (typeof group['displayName'] !== 'string' || !group['displayName']) throw new ScimRequestError(400, 'invalidValue', 'displayName is required');
    const members = group['members'];
    if (members === undefined) return group;
    if (!Array.isArray(members)) throw new ScimRequestError(400, 'invalidValue', 'members must be a list');
    const seen = new Set<string>();
    const kept: Json[] = [];
    for (const m of members as unknown[]) {
      const value = (m as Json | null)?.['value'];
      if (typeof value !== 'string') throw new ScimRequestError(400, 'invalidValue', 'every member needs a value');
      const user = this.data.Users.get(value);
      if (!user && !this.data.Groups.has(value)) throw new ScimRequestError(400, 'invalidValue', `member ${value} does not exist`);
      if (seen.has(value)) continue;
      seen.add(value);
      kept.push({ value, display: user ? user['userName'] : undefined, type: user ? 'User' : 'Group' });
    }
    return { ...group, members: kept };
  }
}

function asObject(body: unknown): Json {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ScimRequestError(400, 'invalidSyntax', 'body must be a JSON object');
  return body as Json;
}
