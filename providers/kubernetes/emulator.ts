import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ObservedProvider } from '../../src/types/index.js';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer } from '../../src/emulator/faults.js';
import { readBody } from '../../src/emulator/http.js';
import { LeaseStore } from './emulator-lease.js';
import { ListPager } from './emulator-paging.js';
import { applyJsonPatch, applyMergePatch } from './emulator-patch.js';
import { ApiStatusError, reasonFor, statusBody } from './emulator-status.js';
import { BindingStore, Revision } from './emulator-store.js';
import { kubeconfigText, servingCert } from './emulator-tls.js';
import { RBAC_GROUP, type BindingKind, type RbacBinding, type Subject } from './mapping.js';

/**
 * A Kubernetes API server for what Lockstep uses, over https with its own CA: RBAC
 * ClusterRoleBindings and RoleBindings (list with limit/continue, get, JSON Patch and
 * merge patch, replace with resourceVersion) and coordination.k8s.io/v1 Leases;
 * bearer-token authentication; `metav1.Status` error bodies; faults and latency
 * switched on at runtime; a request counter per endpoint template.
 */
export interface KubernetesEmulatorOptions {
  /** Bindings in Lockstep's form: groups `clusterrolebinding/NAME` or `NS/rolebinding/NAME`, members `User:x`/`Group:x`. */
  seed?: ObservedProvider;
  /** Raw bindings added after the seed (system: subjects, ServiceAccounts, ...). */
  bindings?: RbacBinding[];
  /** The bearer token accepted (random when absent; read it from `token`). */
  token?: string;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
  /** How long a list continue token stays valid (default 5 minutes, as etcd compaction). */
  continueTtlMs?: number;
  /** Largest page served whatever `limit` asks (the API server serves up to `limit`). */
  maxPageSize?: number;
  /** Added to every request, in milliseconds. */
  latencyMs?: number;
  /** Where to write the kubeconfig (mode 0600), e.g. for the sandbox; the text is always on `kubeconfig`. */
  kubeconfigPath?: string;
  /** Context name in the kubeconfig (default `emulator`). */
  context?: string;
}

export interface KubernetesEmulator {
  /** The API server URL (https://127.0.0.1:PORT). */
  readonly url: string;
  /** The CA certificate (PEM) clients must trust. */
  readonly caPem: string;
  readonly token: string;
  /** A kubeconfig reaching this server with the CA and the token. */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string | undefined;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly bindings: BindingStore;
  readonly leases: LeaseStore;
  /** The bindings in Lockstep's observed form. */
  observed(): ObservedProvider;
  /** Changes a binding's subjects behind any client's back (bumps its resourceVersion). */
  setSubjects(group: string, change: (subjects: Subject[]) => Subject[]): void;
  /**
   * Makes every continue token handed out so far expire (410 Gone on its next use);
   * `next` also expires the tokens of that many following continued requests.
   */
  expireContinueTokens(next?: number): void;
  /**
   * Runs `change` inside the next binding write, between the server's read of the object
   * and its write: someone else's edit landing first, so that write fails 409 Conflict.
   * Calls queue up, one per write.
   */
  beforeNextWrite(change: () => void): void;
  close(): Promise<void>;
}

const RBAC = `/apis/${RBAC_GROUP}/v1`;
const COORDINATION = '/apis/coordination.k8s.io/v1';
const JSON_TYPE = 'application/json';

const renderError: ErrorRenderer = (status, detail) => ({ contentType: JSON_TYPE, body: JSON.stringify(statusBody(status, reasonFor(status), detail)) });

/** `/apis/.../namespaces/team-a/rolebindings/x` → `/apis/.../namespaces/{namespace}/rolebindings/{name}`. */
export function kubernetesPathTemplate(path: string): string {
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i - 1] === 'namespaces' && i + 1 < parts.length) parts[i] = '{namespace}';
    else if (i >= 1 && ['clusterrolebindings', 'rolebindings', 'leases'].includes(parts[i - 1]!) && parts[i]) parts[i] = '{name}';
  }
  return parts.join('/');
}

export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const revision = new Revision();
  const bindings = new BindingStore(revision);
  bindings.seed(options.seed, options.bindings);
  const leases = new LeaseStore(revision);
  const pager = new ListPager(options.continueTtlMs ?? 300_000);
  const faults = new FaultController();
  if (options.latencyMs) faults.set({ latency: options.latencyMs });
  const counters = new RequestCounters();
  const token = options.token ?? randomBytes(24).toString('base64url');
  const cert = await servingCert();

  const interleaved: (() => void)[] = [];
  const interleave = (): void => interleaved.shift()?.();

  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, statusBody(500, 'InternalError', e instanceof Error ? e.message : 'internal error'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (await interceptFaults(req, res, { method, template: kubernetesPathTemplate(path), path }, { faults, counters }, renderError)) return;
    const body = await readBody(req);
    try {
      if (!authorized(req.headers.authorization, token)) throw new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
      const out = route(method, path, url.searchParams, body, String(req.headers['content-type'] ?? '').split(';')[0]!.trim());
      send(res, out.status, out.body);
    } catch (e) {
      if (e instanceof ApiStatusError) send(res, e.code, e.body());
      else throw e;
    }
  }

  function route(method: string, path: string, query: URLSearchParams, body: string, contentType: string): { status: number; body: unknown } {
    const ok = (b: unknown, status = 200) => ({ status, body: b });
    if (path.startsWith(`${RBAC}/`)) {
      const rest = path.slice(RBAC.length + 1).split('/');
      let kind: BindingKind, namespace: string | undefined, name: string | undefined;
      if (rest[0] === 'clusterrolebindings' && rest.length <= 2) [kind, name] = ['ClusterRoleBinding', rest[1]];
      else if (rest[0] === 'rolebindings' && rest.length === 1) kind = 'RoleBinding';
      else if (rest[0] === 'namespaces' && rest[2] === 'rolebindings' && rest.length <= 4) [kind, namespace, name] = ['RoleBinding', rest[1], rest[3]];
      else throw notFoundPath();
      if (name === undefined) {
        if (method !== 'GET') throw methodNotAllowed(method);
        return ok(list(kind, namespace, query));
      }
      const current = () => bindings.get(kind, namespace, name);
      if (method === 'GET') return ok(current());
      if (method === 'PUT') {
        const next = parse(body) as RbacBinding;
        interleave();
        return ok(bindings.update(kind, namespace, name, next));
      }
      if (method === 'PATCH') {
        // The patched object keeps the version it was made from: a write in between is a conflict.
        const next = patched(current(), body, contentType);
        interleave();
        return ok(bindings.update(kind, namespace, name, next));
      }
      throw methodNotAllowed(method);
    }
    if (path.startsWith(`${COORDINATION}/namespaces/`)) {
      const [namespace, resource, name, extra] = path.slice(COORDINATION.length + 12).split('/');
      if (!namespace || resource !== 'leases' || extra !== undefined) throw notFoundPath();
      if (name === undefined) {
        if (method === 'GET') return ok({ kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: revision.current }, items: leases.list(namespace) });
        if (method === 'POST') return ok(leases.create(namespace, parse(body)), 201);
        throw methodNotAllowed(method);
      }
      if (method === 'GET') return ok(leases.get(namespace, name));
      if (method === 'PUT') return ok(leases.replace(namespace, name, parse(body)));
      if (method === 'DELETE') {
        const gone = leases.delete(namespace, name);
        return ok({ ...statusBody(200, '', ''), details: { name, group: 'coordination.k8s.io', kind: 'leases', uid: gone.metadata.uid } });
      }
      throw methodNotAllowed(method);
    }
    throw notFoundPath();
  }

  function list(kind: BindingKind, namespace: string | undefined, query: URLSearchParams): unknown {
    const raw = query.get('limit');
    const asked = raw === null ? undefined : Number(raw);
    if (asked !== undefined && (!Number.isInteger(asked) || asked < 0)) throw new ApiStatusError(400, 'BadRequest', `invalid limit: ${raw}`);
    const limit = asked ? Math.min(asked, options.maxPageSize ?? asked) : options.maxPageSize;
    const page = pager.page(() => ({ items: bindings.list(kind, namespace).map(asListItem), resourceVersion: revision.current }), limit, query.get('continue'));
    const metadata = { resourceVersion: page.resourceVersion, ...(page.continue ? { continue: page.continue, remainingItemCount: page.remainingItemCount } : {}) };
    return { kind: `${kind}List`, apiVersion: `${RBAC_GROUP}/v1`, metadata, items: page.items };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = kubeconfigText(url, cert.certPem, token, options.context);
  if (options.kubeconfigPath) await writeFile(options.kubeconfigPath, kubeconfig, { mode: 0o600 });

  return {
    url,
    caPem: cert.certPem,
    token,
    kubeconfig,
    kubeconfigPath: options.kubeconfigPath,
    faults,
    counters,
    bindings,
    leases,
    observed: () => bindings.observed(),
    setSubjects: (group, change) => void bindings.setSubjects(group, change),
    expireContinueTokens: (next) => pager.expireAll(next),
    beforeNextWrite: (change) => void interleaved.push(change),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A list item as the API server serves it: without its own kind and apiVersion. */
function asListItem(b: RbacBinding): unknown {
  const { apiVersion: _a, kind: _k, ...rest } = b;
  return rest;
}

function patched(current: RbacBinding, body: string, contentType: string): RbacBinding {
  const patch = parse(body);
  if (contentType === 'application/json-patch+json') return applyJsonPatch(current, patch);
  if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
    // RBAC subjects carry no patch strategy: a strategic merge replaces the list like a merge patch.
    return applyMergePatch(current, patch);
  }
  throw new ApiStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new ApiStatusError(400, 'BadRequest', 'the body of the request was in an unknown format');
  }
}

function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const notFoundPath = (): ApiStatusError => new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
const methodNotAllowed = (method: string): ApiStatusError => new ApiStatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Cache-Control', 'no-cache, private');
  res.end(JSON.stringify(body));
}
