import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer } from '../../src/emulator/faults.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { scimPathTemplate } from '../../providers/scim/emulator/routes.js';
import { errorBody, SCIM_CONTENT_TYPE } from '../../providers/scim/schema.js';

/**
 * A second, independent SCIM service built on the third-party `scimmy` library and its
 * express routers, so the SCIM provider is proven against someone else's reading of
 * RFC 7644 and not only our own emulator. Data lives in memory per server; SCIMMY's
 * resource declarations are process-wide, so handlers find their store through the
 * request context.
 */
interface UserRecord {
  id: string;
  userName: string;
  active: boolean;
  displayName?: string;
  externalId?: string;
  emails?: { value: string; type?: string; primary?: boolean }[];
  meta: { created: Date; lastModified: Date };
}

interface GroupRecord {
  id: string;
  displayName: string;
  members: { value: string; display?: string; type?: string }[];
  meta: { created: Date; lastModified: Date };
}

interface Store {
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
}

export interface ScimmyServer {
  /** Service root for a SCIM client (`http://127.0.0.1:<port>/scim/v2`). */
  url: string;
  faults: FaultController;
  counters: RequestCounters;
  observed(): ObservedProvider;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const plain = (v: unknown): Json => JSON.parse(JSON.stringify(v)) as Json;
const notFound = (id: string | undefined): Error => new SCIMMY.Types.Error(404, '', `Resource ${String(id)} not found`);

let declared = false;

function declareResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .egress((resource, ctx: Store) => {
      if (resource.id) {
        const user = ctx.users.get(resource.id);
        if (!user) throw notFound(resource.id);
        return user;
      }
      const all = [...ctx.users.values()];
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, instance, ctx: Store) => {
      const data = plain(instance);
      const existing = resource.id ? ctx.users.get(resource.id) : undefined;
      if (resource.id && !existing) throw notFound(resource.id);
      const userName = String(data['userName']);
      for (const other of ctx.users.values()) {
        if (other.id !== resource.id && other.userName.toLowerCase() === userName.toLowerCase()) {
          throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${userName} is already taken`);
        }
      }
      const now = new Date();
      const user: UserRecord = {
        id: existing?.id ?? randomUUID(),
        userName,
        active: data['active'] !== false,
        ...(typeof data['displayName'] === 'string' ? { displayName: data['displayName'] } : {}),
        ...(typeof data['externalId'] === 'string' ? { externalId: data['externalId'] } : {}),
        ...(Array.isArray(data['emails']) ? { emails: data['emails'] as UserRecord['emails'] } : {}),
        meta: { created: existing?.meta.created ?? now, lastModified: now },
      };
      ctx.users.set(user.id, user);
      return user;
    })
    .degress((resource, ctx: Store) => {
      if (!resource.id || !ctx.users.delete(resource.id)) throw notFound(resource.id);
      for (const g of ctx.groups.values()) g.members = g.members.filter((m) => m.value !== resource.id);
    });

  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .egress((resource, ctx: Store) => {
      if (resource.id) {
        const group = ctx.groups.get(resource.id);
        if (!group) throw notFound(resource.id);
        return group;
      }
      const all = [...ctx.groups.values()];
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, instance, ctx: Store) => {
      const data = plain(instance);
      const existing = resource.id ? ctx.groups.get(resource.id) : undefined;
      if (resource.id && !existing) throw notFound(resource.id);
      const members = ((data['members'] as Json[] | undefined) ?? []).map((m) => {
        const value = String(m['value']);
        const user = ctx.users.get(value);
        if (!user) throw new SCIMMY.Types.Error(400, 'invalidValue', `member ${value} does not exist`);
        return { value, display: user.userName, type: 'User' };
      });
      const now = new Date();
      const group: GroupRecord = {
        id: existing?.id ?? randomUUID(),
        displayName: String(data['displayName']),
        members: members.filter((m, i) => members.findIndex((x) => x.value === m.value) === i),
        meta: { created: existing?.meta.created ?? now, lastModified: now },
      };
      ctx.groups.set(group.id, group);
      return group;
    })
    .degress((resource, ctx: Store) => {
      if (!resource.id || !ctx.groups.delete(resource.id)) throw notFound(resource.id);
    });
}

function seeded(seed: ObservedProvider | undefined): Store {
  const store: Store = { users: new Map(), groups: new Map() };
  const now = new Date();
  for (const a of seed?.accounts ?? []) {
    store.users.set(a.id, {
      id: a.id,
      userName: a.login,
      active: a.status === 'active',
      ...(a.displayName ? { displayName: a.displayName } : {}),
      ...(a.externalId ? { externalId: a.externalId } : {}),
      ...(a.emails?.length ? { emails: a.emails.map((value, i) => ({ value, type: 'work', primary: i === 0 })) } : {}),
      meta: { created: a.createdAt ? new Date(a.createdAt) : now, lastModified: now },
    });
  }
  for (const g of seed?.groups ?? []) {
    const members = g.members.map((value) => ({ value, display: store.users.get(value)?.userName, type: 'User' }));
    store.groups.set(g.id, { id: g.id, displayName: g.name, members, meta: { created: now, lastModified: now } });
  }
  return store;
}

const renderError: ErrorRenderer = (status, detail) => ({ contentType: SCIM_CONTENT_TYPE, body: JSON.stringify(errorBody(status, detail)) });

export async function startScimmyServer(options: { seed?: ObservedProvider; token: string }): Promise<ScimmyServer> {
  declareResources();
  const store = seeded(options.seed);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const mount = '/scim/v2';
  const app = express();
  app.use(async (req, res, next) => {
    const path = req.path.startsWith(mount) ? req.path.slice(mount.length) || '/' : req.path;
    if (await interceptFaults(req, res, { method: req.method, template: scimPathTemplate(path), path }, { faults, counters }, renderError)) return;
    next();
  });
  app.use(
    mount,
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://example.com/scim-auth',
      handler: (req) => {
        if (req.header('Authorization') !== `Bearer ${options.token}`) throw new Error('Authorization failure');
        return 'lockstep';
      },
      context: () => store,
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    faults,
    counters,
    observed: () => ({
      type: 'scim',
      accounts: [...store.users.values()].map((u) => ({
        id: u.id,
        login: u.userName,
        status: u.active ? ('active' as const) : ('suspended' as const),
        ...(u.emails?.length ? { emails: u.emails.map((e) => e.value) } : {}),
        ...(u.externalId ? { externalId: u.externalId } : {}),
      })),
      groups: [...store.groups.values()].map((g) => ({ id: g.id, name: g.displayName, members: g.members.map((m) => m.value) })),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
