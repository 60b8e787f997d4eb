import type { ExchangeLog } from '../../../src/emulator/exchanges.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { FaultController } from '../../../src/emulator/faults.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer, type EmulatorRequest } from '../../../src/emulator/server.js';
import { serverCertificate } from '../../../src/emulator/tls.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import type { RbacBinding, Subject } from '../mapping.js';
import { kubeconfigText } from './kubeconfig.js';
import { LeaseStore } from './lease.js';
import { ListPager } from './paging.js';
import { KUBERNETES_ROUTES, kubernetesPathTemplate, methodNotAllowed, notFoundPath, type Cluster, type KubeRoute } from './routes.js';
import { ApiStatusError, reasonFor, statusBody } from './status.js';
import { ClusterRoleStore, userFacingClusterRoles, type ClusterRole } from './roles.js';
import { BindingStore, Revision } from './store.js';

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
  /** ClusterRoles (default: the user-facing ones Kubernetes creates, `admin`, `edit` and `view` aggregated). */
  clusterRoles?: ClusterRole[];
  /** Raw bindings added after the seed (system: subjects, ServiceAccounts, ...). */
  bindings?: RbacBinding[];
  /** The bearer token accepted (random when absent; read it from `token`). */
  token?: string;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
  /** Keeps every request and answer, for checks against the vendor's API definition (tests). */
  exchanges?: ExchangeLog;
  /** How long a list continue token stays valid (default 5 minutes, as etcd compaction). */
  continueTtlMs?: number;
  /**
   * A PATCH that another write overtook between its read and its write is applied again to
   * the object as it now is, as the API server's storage does: a patch without a
   * resourceVersion then lands on top of the other write, a JSON Patch `test` that no
   * longer holds answers 422, and only a patch naming a stale resourceVersion answers 409
   * (no Kubernetes page states this; it is how the API server's patch handler retries an
   * update on its storage). Default false: such a PATCH answers 409 Conflict, as a
   * replace does, which the provider's conflict tests use.
   */
  reapplyPatches?: boolean;
  /** Largest page served whatever `limit` asks (the API server serves up to `limit`). */
  maxPageSize?: number;
  /** Added to every request, in milliseconds (benchmarks). */
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
  /** ClusterRoles, aggregated ones filled by the aggregation controller. */
  readonly roles: ClusterRoleStore;
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

const ROUTES = new RouteTable<KubeRoute>(KUBERNETES_ROUTES, kubernetesPathTemplate);
const JSON_TYPE = 'application/json';

export async function startKubernetesEmulator(options: KubernetesEmulatorOptions = {}): Promise<KubernetesEmulator> {
  const revision = new Revision();
  const bindings = new BindingStore(revision);
  bindings.seed(options.seed, options.bindings);
  const roles = new ClusterRoleStore(revision);
  roles.seed(options.clusterRoles ?? userFacingClusterRoles());
  const leases = new LeaseStore(revision);
  const pager = new ListPager(options.continueTtlMs ?? 300_000);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const interleaved: (() => void)[] = [];
  const cluster: Cluster = {
    revision,
    bindings,
    roles,
    leases,
    pager,
    maxPageSize: options.maxPageSize,
    interleave: () => interleaved.shift()?.(),
    reapplyPatches: options.reapplyPatches === true,
  };
  const tls = await serverCertificate();

  function answer(req: EmulatorRequest<KubeRoute>) {
    if (!authorized(req.headers.authorization, token)) throw new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
    if (!req.route) throw req.otherMethod ? methodNotAllowed(req.method) : notFoundPath();
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    return req.route.handle({ cluster, params: req.params, query: req.url.searchParams, body: req.body, contentType });
  }

  const server = await startEmulatorServer({
    port: options.port,
    exchanges: options.exchanges,
    tls,
    routes: ROUTES,
    latencyMs: options.latencyMs,
    contentType: JSON_TYPE,
    headers: { 'Cache-Control': 'no-cache, private' },
    renderError: (status, detail) => ({ contentType: JSON_TYPE, body: JSON.stringify(statusBody(status, reasonFor(status), detail)) }),
    answer,
    errorReply: (e) => (e instanceof ApiStatusError ? { status: e.code, body: e.body() } : undefined),
  });
  const kubeconfig = kubeconfigText(server.url, tls.caPem, token, options.context);
  if (options.kubeconfigPath) await writeFile(options.kubeconfigPath, kubeconfig, { mode: 0o600 });

  return {
    url: server.url,
    caPem: tls.caPem,
    token,
    kubeconfig,
    kubeconfigPath: options.kubeconfigPath,
    faults: server.faults,
    counters: server.counters,
    bindings,
    leases,
    roles,
    observed: () => bindings.observed(),
    setSubjects: (group, change) => void bindings.setSubjects(group, change),
    expireContinueTokens: (next) => pager.expireAll(next),
    beforeNextWrite: (change) => void interleaved.push(change),
    close: () => server.close(),
  };
}

function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
