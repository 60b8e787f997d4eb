import type { Reply } from '../../../src/emulator/http.js';
import type { Route } from '../../../src/emulator/routes.js';
import { RBAC_GROUP, type BindingKind, type RbacBinding } from '../mapping.js';
import { COORDINATION_GROUP, type LeaseStore } from './lease.js';
import type { ListPager } from './paging.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { ApiStatusError, statusBody } from './status.js';
import type { ClusterRole, ClusterRoleStore } from './roles.js';
import type { BindingStore, Revision } from './store.js';

/**
 * The API server's endpoints the emulator serves: RBAC ClusterRoleBindings and
 * RoleBindings (list with limit/continue, get, JSON Patch and merge patch, replace with
 * resourceVersion) and coordination.k8s.io/v1 Leases (list, create, get, replace, delete).
 */
export interface Cluster {
  revision: Revision;
  bindings: BindingStore;
  roles: ClusterRoleStore;
  leases: LeaseStore;
  pager: ListPager;
  /** Largest page served whatever `limit` asks. */
  maxPageSize: number | undefined;
  /** Runs a change queued to land between a write's read and its write (a concurrent edit). */
  interleave(): void;
  /** A PATCH overtaken by another write is applied again to the object as it now is (see KubernetesEmulatorOptions.reapplyPatches). */
  reapplyPatches: boolean;
}

export interface KubeCall {
  cluster: Cluster;
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  /** The media type of the body, without parameters. */
  contentType: string;
}

export interface KubeRoute extends Route {
  handle(call: KubeCall): Reply;
}

const RBAC = `/apis/${RBAC_GROUP}/v1`;
const LEASES = `/apis/${COORDINATION_GROUP}/v1/namespaces/{namespace}/leases`;

const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** `/apis/.../namespaces/team-a/rolebindings/x` → `/apis/.../namespaces/{namespace}/rolebindings/{name}`: the counter and fault key of a path no route has. */
export function kubernetesPathTemplate(path: string): string {
  const parts = path.replace(/\/+$/, '').split('/');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i - 1] === 'namespaces' && i + 1 < parts.length) parts[i] = '{namespace}';
    else if (i >= 1 && ['clusterrolebindings', 'rolebindings', 'clusterroles', 'leases'].includes(parts[i - 1]!) && parts[i]) parts[i] = '{name}';
  }
  return parts.join('/') || '/';
}

function list(kind: BindingKind, c: KubeCall): Reply {
  const raw = c.query.get('limit');
  const asked = raw === null ? undefined : Number(raw);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0)) throw new ApiStatusError(400, 'BadRequest', `invalid limit: ${raw}`);
  const { maxPageSize, pager, bindings, revision } = c.cluster;
  const limit = asked ? Math.min(asked, maxPageSize ?? asked) : maxPageSize;
  const page = pager.page(
    () => ({ items: bindings.list(kind, c.params['namespace']).map(asListItem), resourceVersion: revision.current }),
    limit,
    c.query.get('continue'),
  );
  const metadata = { resourceVersion: page.resourceVersion, ...(page.continue ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}) };
  return ok({ kind: `${kind}List`, apiVersion: `${RBAC_GROUP}/v1`, metadata, items: page.items });
}

/** GET, replace and patch of one binding; a write keeps the version it was made from, so a write in between is a conflict. */
function bindingRoutes(kind: BindingKind, path: string): KubeRoute[] {
  const name = (c: KubeCall) => c.params['name']!;
  const write = (c: KubeCall, next: RbacBinding) => {
    c.cluster.interleave();
    return ok(c.cluster.bindings.update(kind, c.params['namespace'], name(c), next));
  };
  return [
    { method: 'GET', path, handle: (c) => ok(c.cluster.bindings.get(kind, c.params['namespace'], name(c))) },
    { method: 'PUT', path, handle: (c) => write(c, parse(c.body) as RbacBinding) },
    {
      method: 'PATCH',
      path,
      handle: (c) => {
        const apply = () => patched(c.cluster.bindings.get(kind, c.params['namespace'], name(c)), c.body, c.contentType);
        const next = apply();
        if (!c.cluster.reapplyPatches) return write(c, next);
        c.cluster.interleave();
        return ok(c.cluster.bindings.update(kind, c.params['namespace'], name(c), apply()));
      },
    },
  ];
}

/** ClusterRoles: list, get, replace and patch; the aggregation controller runs after each write. */
function clusterRoleRoutes(): KubeRoute[] {
  const path = `${RBAC}/clusterroles/{name}`;
  const write = (c: KubeCall, next: ClusterRole) => {
    c.cluster.interleave();
    return ok(c.cluster.roles.update(c.params['name']!, next));
  };
  return [
    {
      method: 'GET',
      path: `${RBAC}/clusterroles`,
      handle: (c) =>
        ok({
          kind: 'ClusterRoleList',
          apiVersion: `${RBAC_GROUP}/v1`,
          metadata: { resourceVersion: c.cluster.revision.current },
          items: c.cluster.roles.list().map(asListItem),
        }),
    },
    { method: 'GET', path, handle: (c) => ok(c.cluster.roles.get(c.params['name']!)) },
    { method: 'PUT', path, handle: (c) => write(c, parse(c.body) as ClusterRole) },
    { method: 'PATCH', path, handle: (c) => write(c, patched(c.cluster.roles.get(c.params['name']!), c.body, c.contentType)) },
  ];
}

export const KUBERNETES_ROUTES: readonly KubeRoute[] = [
  ...clusterRoleRoutes(),
  { method: 'GET', path: `${RBAC}/clusterrolebindings`, handle: (c) => list('ClusterRoleBinding', c) },
  ...bindingRoutes('ClusterRoleBinding', `${RBAC}/clusterrolebindings/{name}`),
  { method: 'GET', path: `${RBAC}/rolebindings`, handle: (c) => list('RoleBinding', c) },
  { method: 'GET', path: `${RBAC}/namespaces/{namespace}/rolebindings`, handle: (c) => list('RoleBinding', c) },
  ...bindingRoutes('RoleBinding', `${RBAC}/namespaces/{namespace}/rolebindings/{name}`),
  {
    method: 'GET',
    path: LEASES,
    handle: (c) =>
      ok({
        kind: 'LeaseList',
        apiVersion: `${COORDINATION_GROUP}/v1`,
        metadata: { resourceVersion: c.cluster.revision.current },
        items: c.cluster.leases.list(c.params['namespace']!),
      }),
  },
  { method: 'POST', path: LEASES, handle: (c) => ok(c.cluster.leases.create(c.params['namespace']!, parse(c.body)), 201) },
  { method: 'GET', path: `${LEASES}/{name}`, handle: (c) => ok(c.cluster.leases.get(c.params['namespace']!, c.params['name']!)) },
  { method: 'PUT', path: `${LEASES}/{name}`, handle: (c) => ok(c.cluster.leases.replace(c.params['namespace']!, c.params['name']!, parse(c.body))) },
  {
    method: 'DELETE',
    path: `${LEASES}/{name}`,
    handle: (c) => {
      const name = c.params['name']!;
      const gone = c.cluster.leases.delete(c.params['namespace']!, name);
      return ok({ ...statusBody(200, '', ''), details: { name, group: COORDINATION_GROUP, kind: 'leases', uid: gone.metadata.uid } });
    },
  },
];

export const notFoundPath = (): ApiStatusError => new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
export const methodNotAllowed = (method: string): ApiStatusError =>
  new ApiStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

/** A list item as the API server serves it: without its own kind and apiVersion. */
function asListItem(b: { apiVersion?: string; kind?: string }): unknown {
  const { apiVersion: _a, kind: _k, ...rest } = b;
  return rest;
}

function patched<T>(current: T, body: string, contentType: string): T {
  const patch = parse(body);
  if (contentType === 'application/json-patch+json') return applyJsonPatch(current, patch);
  if (contentType === 'application/merge-patch+json') return applyMergePatch(current, patch);
  // RBAC subjects carry no patch strategy: a strategic merge replaces the whole list.
  if (contentType === 'application/strategic-merge-patch+json') return applyStrategicMergePatch(current, patch);
  throw new ApiStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
  );
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ApiStatusError(400, 'BadRequest', 'the body of the request was in an unknown format');
  }
}
