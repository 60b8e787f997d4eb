import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiException, CoordinationV1Api, KubeConfig, RbacAuthorizationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { ObservedProvider } from '../../src/types/index.js';
import { startKubernetesEmulator, type KubernetesEmulator, type KubernetesEmulatorOptions } from '../../providers/kubernetes/emulator/index.js';
import { RBAC_GROUP } from '../../providers/kubernetes/mapping.js';
import { COORDINATION, RBAC, TOKEN } from './kubernetes-fixture.js';

const seed: ObservedProvider = {
  type: 'kubernetes',
  accounts: [],
  groups: [
    { id: 'clusterrolebinding/a', name: 'clusterrolebinding/a', members: ['User:alice@acme.com', 'Group:devs'] },
    { id: 'b', name: 'b', members: ['User:bob@acme.com'] },
    { id: 'clusterrolebinding/c', name: 'clusterrolebinding/c', members: [] },
    { id: 'team-x/rolebinding/edit', name: 'team-x/rolebinding/edit', members: ['User:carol@acme.com'] },
  ],
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function emulator(options: Partial<KubernetesEmulatorOptions> = {}): Promise<KubernetesEmulator> {
  const e = await startKubernetesEmulator({ seed, token: TOKEN, ...options });
  closers.push(e.close);
  return e;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, any>;
}

/** A raw https request trusting the emulator's CA, for wire-level rules. */
function call(e: KubernetesEmulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${e.url}${path}`,
      { method, ca: e.caPem, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : {} }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function clients(e: KubernetesEmulator): { rbac: RbacAuthorizationV1Api; leases: CoordinationV1Api } {
  const kc = new KubeConfig();
  kc.loadFromString(e.kubeconfig);
  return { rbac: kc.makeApiClient(RbacAuthorizationV1Api), leases: kc.makeApiClient(CoordinationV1Api) };
}

const apiError = async (p: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiException);
  const ex = e as ApiException<unknown>;
  return { code: ex.code, body: typeof ex.body === 'string' ? (JSON.parse(ex.body) as Record<string, any>) : (ex.body as Record<string, any>) };
};

describe('kubernetes emulator: server', () => {
  it('serves https with its own CA, answers 401 Status without the bearer token', async () => {
    const e = await emulator();
    expect(e.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(`${e.url}${RBAC}/clusterrolebindings`)).rejects.toThrow();
    const anonymous = await call(e, 'GET', `${RBAC}/clusterrolebindings`, undefined, { authorization: '' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const wrong = await call(e, 'GET', `${RBAC}/clusterrolebindings`, undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });

  it('is seeded from Lockstep form (a bare name is a ClusterRoleBinding) and observes it back', async () => {
    const e = await emulator();
    const o = e.observed();
    expect(o.groups.map((g) => g.id)).toEqual(['clusterrolebinding/a', 'clusterrolebinding/b', 'clusterrolebinding/c', 'team-x/rolebinding/edit']);
    expect(o.groups[0]!.members).toEqual(['User:alice@acme.com', 'Group:devs']);
    const c = await clients(e).rbac.readClusterRoleBinding({ name: 'c' });
    expect(c.subjects).toBeUndefined();
    expect(c.roleRef).toMatchObject({ apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'c' });
  });

  it('pages a consistent snapshot with limit and continue; items carry no kind', async () => {
    const e = await emulator();
    const first = await call(e, 'GET', `${RBAC}/clusterrolebindings?limit=2`);
    expect(first.body).toMatchObject({ kind: 'ClusterRoleBindingList', apiVersion: `${RBAC_GROUP}/v1`, metadata: { remainingItemCount: 1 } });
    expect(first.body['items'].map((i: any) => i.metadata.name)).toEqual(['a', 'b']);
    expect(first.body['items'][0].kind).toBeUndefined();
    e.setSubjects('clusterrolebinding/c', () => [{ kind: 'User', apiGroup: RBAC_GROUP, name: 'late@acme.com' }]);
    const rest = await call(e, 'GET', `${RBAC}/clusterrolebindings?limit=2&continue=${encodeURIComponent(first.body['metadata'].continue)}`);
    expect(rest.body['items'].map((i: any) => i.metadata.name)).toEqual(['c']);
    expect(rest.body['items'][0].subjects).toBeUndefined(); // as of the first page
    expect(rest.body['metadata'].continue).toBeUndefined();
    const all = await call(e, 'GET', `${RBAC}/rolebindings`);
    expect(all.body['items'].map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['team-x/edit']);
    const ns = await clients(e).rbac.listNamespacedRoleBinding({ namespace: 'team-x' });
    expect(ns.items.map((i) => i.metadata?.name)).toEqual(['edit']);
  });

  it('expires continue tokens after the TTL and on demand: 410 Expired with a continue hint; garbage is 400', async () => {
    const e = await emulator({ continueTtlMs: 30 });
    const first = await call(e, 'GET', `${RBAC}/clusterrolebindings?limit=1`);
    await sleep(60);
    const gone = await call(e, 'GET', `${RBAC}/clusterrolebindings?limit=1&continue=${first.body['metadata'].continue}`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(gone.body['metadata'].continue).toEqual(expect.any(String));
    const next = await call(e, 'GET', `${RBAC}/clusterrolebindings?limit=1&continue=${gone.body['metadata'].continue}`);
    expect(next.body['items'].map((i: any) => i.metadata.name)).toEqual(['c']);

    const f = await emulator();
    const p1 = await call(f, 'GET', `${RBAC}/clusterrolebindings?limit=1`);
    f.expireContinueTokens();
    expect((await call(f, 'GET', `${RBAC}/clusterrolebindings?limit=1&continue=${p1.body['metadata'].continue}`)).status).toBe(410);
    expect((await call(f, 'GET', `${RBAC}/clusterrolebindings?limit=1&continue=not-a-token`)).status).toBe(400);
  });

  it('applies JSON Patch atomically: a failed test is 422 and changes nothing; every write bumps resourceVersion', async () => {
    const e = await emulator();
    const path = `${RBAC}/clusterrolebindings/a`;
    const before = (await call(e, 'GET', path)).body;
    const failed = await call(
      e,
      'PATCH',
      path,
      [
        { op: 'remove', path: '/subjects/0' },
        { op: 'test', path: '/subjects/0/name', value: 'nobody' },
      ],
      { 'content-type': 'application/json-patch+json' },
    );
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    expect((await call(e, 'GET', path)).body).toEqual(before);
    const ok = await call(
      e,
      'PATCH',
      path,
      [
        { op: 'test', path: '/metadata/resourceVersion', value: before['metadata'].resourceVersion },
        { op: 'test', path: '/subjects/0', value: { kind: 'User', apiGroup: RBAC_GROUP, name: 'alice@acme.com' } },
        { op: 'remove', path: '/subjects/0' },
        { op: 'add', path: '/subjects/-', value: { kind: 'User', apiGroup: RBAC_GROUP, name: 'zed@acme.com' } },
      ],
      { 'content-type': 'application/json-patch+json' },
    );
    expect(ok.status).toBe(200);
    expect(Number(ok.body['metadata'].resourceVersion)).toBeGreaterThan(Number(before['metadata'].resourceVersion));
    expect(e.bindings.members('clusterrolebinding/a')).toEqual(['Group:devs', 'User:zed@acme.com']);
    const merged = await call(
      e,
      'PATCH',
      path,
      { subjects: [{ kind: 'Group', apiGroup: RBAC_GROUP, name: 'devs' }] },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(Number(merged.body['metadata'].resourceVersion)).toBeGreaterThan(Number(ok.body['metadata'].resourceVersion));
    expect(e.bindings.members('clusterrolebinding/a')).toEqual(['Group:devs']);
    expect((await call(e, 'PATCH', path, {}, { 'content-type': 'application/apply-patch+yaml' })).status).toBe(415);
    const badSubject = await call(e, 'PATCH', path, [{ op: 'add', path: '/subjects/-', value: { kind: 'Robot', name: 'r2' } }], {
      'content-type': 'application/json-patch+json',
    });
    expect(badSubject.status).toBe(422);
    const roleRef = await call(e, 'PATCH', path, [{ op: 'replace', path: '/roleRef/name', value: 'cluster-admin' }], { 'content-type': 'application/json-patch+json' });
    expect(roleRef.status).toBe(422);
  });

  it('replaces with resourceVersion: stale is 409 Conflict; unknown is 404 NotFound (through the official client)', async () => {
    const e = await emulator();
    const { rbac } = clients(e);
    const current = await rbac.readNamespacedRoleBinding({ name: 'edit', namespace: 'team-x' });
    const replaced = await rbac.replaceNamespacedRoleBinding({ name: 'edit', namespace: 'team-x', body: { ...current, subjects: [] } });
    expect(replaced.metadata?.resourceVersion).not.toBe(current.metadata?.resourceVersion);
    const stale = await apiError(rbac.replaceNamespacedRoleBinding({ name: 'edit', namespace: 'team-x', body: current }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(stale.body['message']).toContain('the object has been modified');
    const missing = await apiError(rbac.readClusterRoleBinding({ name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'clusterrolebindings.rbac.authorization.k8s.io "nope" not found' });
  });

  it('injects faults over https: 429 with Retry-After and a Status body, resets; counts per template', async () => {
    const e = await emulator();
    e.faults.set({ rules: [{ method: 'GET', path: `${RBAC}/namespaces/{namespace}/rolebindings/{name}`, fault: { kind: 'rate_limit', retryAfter: 3 } }] });
    const limited = await call(e, 'GET', `${RBAC}/namespaces/team-x/rolebindings/edit`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');
    expect(limited.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    e.faults.set({ rules: [{ method: 'GET', fault: { kind: 'reset' } }] });
    await expect(call(e, 'GET', `${RBAC}/clusterrolebindings`)).rejects.toThrow();
    expect(e.counters.get(`GET ${RBAC}/namespaces/{namespace}/rolebindings/{name}`)).toBe(1);
    expect(e.counters.get(`GET ${RBAC}/clusterrolebindings`)).toBe(1);
  });
});

describe('kubernetes emulator: coordination.k8s.io/v1 Leases (official client)', () => {
  const lease = (holder: string, at: Date, extra: Partial<V1Lease['spec']> = {}): V1Lease => ({
    metadata: { name: 'lockstep-controller', namespace: 'lockstep' },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: new V1MicroTime(at.getTime()),
      renewTime: new V1MicroTime(at.getTime()),
      leaseTransitions: 0,
      ...extra,
    },
  });

  it('creates, reads, renews with resourceVersion, refuses a stale renewal with 409, deletes', async () => {
    const e = await emulator();
    const { leases } = clients(e);
    const t0 = new Date('2026-11-22T10:00:00.123Z');
    const created = await leases.createNamespacedLease({ namespace: 'lockstep', body: lease('pod-a', t0) });
    expect(created.spec?.holderIdentity).toBe('pod-a');
    const raw = await call(e, 'GET', `${COORDINATION}/namespaces/lockstep/leases/lockstep-controller`);
    expect(raw.body['spec'].renewTime).toBe('2026-11-22T10:00:00.123000Z');
    expect(raw.body).toMatchObject({ kind: 'Lease', apiVersion: 'coordination.k8s.io/v1' });
    expect((await apiError(leases.createNamespacedLease({ namespace: 'lockstep', body: lease('pod-b', t0) }))).body).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
    });

    const read = await leases.readNamespacedLease({ name: 'lockstep-controller', namespace: 'lockstep' });
    const renewed = await leases.replaceNamespacedLease({
      name: 'lockstep-controller',
      namespace: 'lockstep',
      body: { ...read, spec: { ...read.spec, renewTime: new V1MicroTime(t0.getTime() + 5000) } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    // Another candidate renewing from the old version loses.
    const stale = await apiError(
      leases.replaceNamespacedLease({ name: 'lockstep-controller', namespace: 'lockstep', body: { ...read, spec: { ...read.spec, holderIdentity: 'pod-b' } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    expect(e.leases.get('lockstep', 'lockstep-controller').spec).toMatchObject({ holderIdentity: 'pod-a', renewTime: '2026-11-22T10:00:05.123000Z' });

    await leases.deleteNamespacedLease({ name: 'lockstep-controller', namespace: 'lockstep' });
    expect((await apiError(leases.readNamespacedLease({ name: 'lockstep-controller', namespace: 'lockstep' }))).code).toBe(404);
    expect(e.counters.get(`PUT ${COORDINATION}/namespaces/{namespace}/leases/{name}`)).toBe(2);
  });

  it('validates MicroTime on write: exactly six fractional digits, else 400 BadRequest', async () => {
    const e = await emulator();
    const { leases } = clients(e);
    // A plain Date serialises with milliseconds (3 digits), which the API server refuses.
    const millis = await apiError(
      leases.createNamespacedLease({ namespace: 'lockstep', body: { ...lease('pod-a', new Date()), spec: { holderIdentity: 'pod-a', renewTime: new Date() } } }),
    );
    expect(millis.code).toBe(400);
    expect(millis.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest' });
    for (const bad of ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.1234567Z', '2026-11-22 10:00:00.123456Z', 'yesterday']) {
      const r = await call(e, 'POST', `${COORDINATION}/namespaces/lockstep/leases`, { metadata: { name: 'x' }, spec: { acquireTime: bad } });
      expect(r.status, bad).toBe(400);
    }
    const good = await call(e, 'POST', `${COORDINATION}/namespaces/lockstep/leases`, {
      metadata: { name: 'x' },
      spec: { holderIdentity: 'a', acquireTime: '2026-11-22T10:00:00.123456Z', renewTime: '2026-11-22T11:00:00.000001+01:00', leaseDurationSeconds: 10 },
    });
    expect(good.status).toBe(201);
    expect(good.body['spec'].acquireTime).toBe('2026-11-22T10:00:00.123456Z');
    const negative = await call(e, 'POST', `${COORDINATION}/namespaces/lockstep/leases`, { metadata: { name: 'y' }, spec: { leaseDurationSeconds: 0 } });
    expect(negative.status).toBe(422);
    expect(negative.body).toMatchObject({ reason: 'Invalid' });
  });
});
