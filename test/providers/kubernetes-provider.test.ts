import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from 'selfsigned';
import { stringify, parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, UserError } from '../../src/errors.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { createKubernetesProvider, kubernetesModule } from '../../providers/kubernetes/index.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { MAX_PATCH_ATTEMPTS } from '../../providers/kubernetes/provider.js';
import { RBAC_GROUP, type RbacBinding } from '../../providers/kubernetes/mapping.js';
import { aChange, account, group } from './changes.js';
import { aKubernetesWorld, RBAC, TOKEN, type KubernetesWorld } from './kubernetes-fixture.js';
import { providerContext } from './scim-fixture.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('kubernetes');

const ENG = 'clusterrolebinding/eng-edit';
const OPS = 'clusterrolebinding/ops-view';
const DEPLOY = 'payments/rolebinding/deployers';
const CI = 'payments/rolebinding/ci';
const ADMIN = 'clusterrolebinding/cluster-admin';
const EMPTY = 'payments/rolebinding/readers';

const seed: ObservedProvider = {
  type: 'kubernetes',
  accounts: [],
  groups: [
    { id: ENG, name: ENG, members: ['User:alice@acme.com', 'User:bob@acme.com', 'User:carol@acme.com'] },
    { id: OPS, name: OPS, members: ['User:bob@acme.com', 'Group:oncall'] },
    { id: DEPLOY, name: DEPLOY, members: ['User:bob@acme.com'] },
    { id: EMPTY, name: EMPTY, members: [] },
  ],
};
const u = (name: string) => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
/** Bindings Kubernetes and workloads hold: system groups, service accounts. */
const raw: RbacBinding[] = [
  {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'cluster-admin' },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'Group', apiGroup: RBAC_GROUP, name: 'system:masters' }, u('bob@acme.com')],
  },
  {
    kind: 'RoleBinding',
    metadata: { name: 'ci', namespace: 'payments' },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'payments' }, u('bob@acme.com')],
  },
];
const MANAGED = [ENG, OPS, DEPLOY, CI, EMPTY];
const PATCH_CRB = `PATCH ${RBAC}/clusterrolebindings/{name}`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function world(options: Parameters<typeof aKubernetesWorld>[1] = {}, emu: Parameters<typeof aKubernetesWorld>[2] = {}): Promise<KubernetesWorld> {
  const w = await aKubernetesWorld(seed, { managed: MANAGED, ...options }, { bindings: raw, exchanges, ...emu });
  closers.push(w.close);
  return w;
}

const members = (e: KubernetesEmulator, g: string) => e.bindings.members(g);
const failure = async (p: Promise<unknown>): Promise<Error> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
};
const remove = (who: string, g: string) => aChange('k8s', 'remove_member', { account: account(who), group: group(g) });
const add = (who: string, g: string) => aChange('k8s', 'add_member', { account: account(who), group: group(g) });

describe('kubernetes provider: observe', () => {
  it('lists User and Group subjects of every binding as accounts; ServiceAccounts are not people', async () => {
    const { provider, emulator } = await world();
    const o = await provider.observe();
    const ids = o.accounts.map((a) => a.id).sort();
    expect(ids).toEqual(['Group:oncall', 'Group:system:masters', 'User:alice@acme.com', 'User:bob@acme.com', 'User:carol@acme.com']);
    expect(o.accounts.find((a) => a.id === 'User:alice@acme.com')).toMatchObject({ login: 'alice@acme.com', status: 'active', emails: ['alice@acme.com'] });
    expect(o.accounts.find((a) => a.id === 'Group:oncall')).toMatchObject({ login: 'oncall', emails: [] });
    expect(o.groups.find((g) => g.id === CI)?.members).toEqual(['User:bob@acme.com']);
    expect(o.groups.find((g) => g.id === EMPTY)?.members).toEqual([]);
    expect(o.groups.map((g) => g.id).sort()).toEqual(
      emulator
        .observed()
        .groups.map((g) => g.id)
        .sort(),
    );
    expect(JSON.stringify(o)).not.toContain(TOKEN);
  });

  it('pages with limit and continue: ceil(n / limit) requests per listing, never one per binding', async () => {
    const { provider, emulator } = await world({ pageSize: 2 });
    emulator.counters.reset();
    await provider.observe();
    expect(emulator.counters.get(`GET ${RBAC}/clusterrolebindings`)).toBe(2); // 3 bindings
    expect(emulator.counters.get(`GET ${RBAC}/rolebindings`)).toBe(2); // 3 bindings
    expect(emulator.counters.total()).toBe(4);
  });

  // https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks
  it('restarts a listing whose continue token expired (410 Gone), and observes everything', async () => {
    const { provider, emulator } = await world({ pageSize: 1 });
    emulator.counters.reset();
    emulator.expireContinueTokens(1);
    const o = await provider.observe();
    expect(o.groups.map((g) => [g.id, [...g.members].sort()]).sort()).toEqual(
      emulator
        .observed()
        .groups.map((g) => [g.id, [...g.members].sort()])
        .sort(),
    );
    // 6 pages, the request answered 410, and the restarted listing's first page again at least.
    expect(emulator.counters.total('GET')).toBeGreaterThanOrEqual(8);
  });

  it('fails as transient when the listing keeps expiring', async () => {
    const { provider, emulator } = await world({ pageSize: 1 });
    emulator.expireContinueTokens(100);
    const e = await failure(provider.observe());
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ transient: true, status: 410 });
  });
});

describe('kubernetes provider: JSON Patch changes', () => {
  it('a concurrent edit between read and patch fails the test; it re-reads and removes the right subject', async () => {
    const { provider, emulator } = await world();
    // bob is at index 1; the patch is held while alice (index 0) is removed by someone else.
    emulator.faults.set({ latency: { method: 'PATCH', path: `${RBAC}/clusterrolebindings/{name}`, ms: 300 } });
    const pending = provider.apply(remove('User:bob@acme.com', ENG));
    while (emulator.counters.get(PATCH_CRB) === 0) await sleep(5);
    emulator.setSubjects(ENG, (s) => s.filter((x) => x.name !== 'alice@acme.com'));
    emulator.faults.clear();
    expect((await pending).result).toBe('ok');
    // A plain remove at index 1 would have taken carol.
    expect(members(emulator, ENG)).toEqual(['User:carol@acme.com']);
    expect(emulator.counters.get(PATCH_CRB)).toBe(2);
  });

  it('a concurrent edit that already removed the subject makes the change already done', async () => {
    const { provider, emulator } = await world();
    emulator.faults.set({ latency: { method: 'PATCH', path: `${RBAC}/clusterrolebindings/{name}`, ms: 300 } });
    const pending = provider.apply(remove('User:bob@acme.com', ENG));
    while (emulator.counters.get(PATCH_CRB) === 0) await sleep(5);
    emulator.setSubjects(ENG, (s) => s.filter((x) => x.name !== 'bob@acme.com'));
    emulator.faults.clear();
    expect((await pending).result).toBe('already');
    expect(members(emulator, ENG)).toEqual(['User:alice@acme.com', 'User:carol@acme.com']);
  });

  // https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency
  it("retries a 409 Conflict after re-reading, keeping the other writer's change", async () => {
    const { provider, emulator } = await world();
    emulator.beforeNextWrite(() => emulator.setSubjects(ENG, (s) => [...s, u('mallory@acme.com')]));
    expect((await provider.apply(remove('User:bob@acme.com', ENG))).result).toBe('ok');
    expect(members(emulator, ENG)).toEqual(['User:alice@acme.com', 'User:carol@acme.com', 'User:mallory@acme.com']);
    expect(emulator.counters.get(PATCH_CRB)).toBe(2);

    emulator.beforeNextWrite(() => emulator.setSubjects(OPS, (s) => s.slice(1)));
    expect((await provider.apply(add('User:dave@acme.com', OPS))).result).toBe('ok');
    expect(members(emulator, OPS)).toEqual(['Group:oncall', 'User:dave@acme.com']);
  });

  it(`gives up after ${MAX_PATCH_ATTEMPTS} conflicts as transient, having changed nothing`, async () => {
    const { provider, emulator } = await world();
    for (let i = 0; i < MAX_PATCH_ATTEMPTS; i++) emulator.beforeNextWrite(() => emulator.setSubjects(ENG, (s) => [...s, u(`x${i}@acme.com`)]));
    const e = await failure(provider.apply(remove('User:bob@acme.com', ENG)));
    expect(e).toMatchObject({ transient: true, status: 409 });
    expect(members(emulator, ENG)).toContain('User:bob@acme.com');
    expect(emulator.counters.get(PATCH_CRB)).toBe(MAX_PATCH_ATTEMPTS);
  });

  it('concurrent changes to one binding share patches instead of conflicting: every one applies, none fails', async () => {
    const { provider, emulator } = await world();
    emulator.faults.set({ latency: 30 });
    const newcomers = Array.from({ length: 12 }, (_, i) => `User:new${i}@acme.com`);
    const changes = [
      remove('User:alice@acme.com', ENG),
      remove('User:bob@acme.com', ENG),
      aChange('k8s', 'suspend', { account: account('User:carol@acme.com', 'carol@acme.com') }),
      ...newcomers.map((n) => add(n, ENG)),
      remove('User:nobody@acme.com', ENG),
    ];
    const results = await Promise.all(changes.map((c) => provider.apply(c)));
    expect(results.map((r) => r.result)).toEqual([...Array(3 + newcomers.length).fill('ok'), 'already']);
    expect([...members(emulator, ENG)].sort()).toEqual(newcomers.slice().sort());
    // One patch for the first change, one for everything queued behind it; no conflicts.
    expect(emulator.counters.get(PATCH_CRB)).toBeLessThanOrEqual(3);
  });

  it('adds to a binding with no subjects by creating the list; again is already done', async () => {
    const { provider, emulator } = await world();
    expect((await provider.apply(add('User:dave@acme.com', EMPTY))).result).toBe('ok');
    expect((await provider.apply(add('User:dave@acme.com', EMPTY))).result).toBe('already');
    expect(emulator.bindings.get('RoleBinding', 'payments', 'readers').subjects).toEqual([u('dave@acme.com')]);
  });

  it('suspend leaves every managed binding and only those; ServiceAccounts stay', async () => {
    const { provider, emulator } = await world();
    const suspend = aChange('k8s', 'suspend', { account: account('User:bob@acme.com', 'bob@acme.com') });
    const out = await provider.apply(suspend);
    expect(out.result).toBe('ok');
    expect(out.detail).toContain(ADMIN);
    for (const g of MANAGED) expect(members(emulator, g)).not.toContain('User:bob@acme.com');
    expect(members(emulator, ADMIN)).toEqual(['Group:system:masters', 'User:bob@acme.com']);
    expect(emulator.bindings.get('RoleBinding', 'payments', 'ci').subjects).toEqual([{ kind: 'ServiceAccount', name: 'deployer', namespace: 'payments' }]);
    expect((await provider.apply(suspend)).result).toBe('already');
  });
});

describe('kubernetes provider: refusals', () => {
  it('never changes system: subjects or bindings no policy manages, and asks nothing of the server', async () => {
    const { provider, emulator } = await world();
    const before = emulator.observed();
    emulator.counters.reset();
    const attempts = [
      add('Group:system:masters', ENG),
      remove('Group:system:masters', ADMIN),
      aChange('k8s', 'suspend', { account: account('User:system:admin') }),
      add('User:dave@acme.com', ADMIN),
      remove('User:bob@acme.com', ADMIN),
      add('ServiceAccount:payments:deployer', ENG),
    ];
    for (const change of attempts) {
      const e = await failure(provider.apply(change));
      expect(e).toBeInstanceOf(ProviderError);
      expect((e as ProviderError).transient).toBe(false);
      expect(e.message).toMatch(/system: subjects|no policy manages|not a Kubernetes user or group/);
    }
    expect(emulator.counters.total()).toBe(0);
    expect(emulator.observed()).toEqual(before);
  });

  it('refuses actions RBAC has no operation for, and tasks (the task desk hands those out)', async () => {
    const { provider, emulator } = await world({ connection: { owner: 'owner@acme.com' } });
    const e = await failure(provider.apply(aChange('k8s', 'delete', { account: account('User:bob@acme.com') })));
    expect(e.message).toContain('delete');
    const task = aChange(
      'k8s',
      'task',
      { account: account('User:bob@acme.com', 'bob@acme.com') },
      { task: { action: 'revoke_sessions', owner: 'owner@acme.com', instructions: 'Rotate the kubeconfig Bob holds' } },
    );
    const refused = await failure(provider.apply(task));
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused.message).toContain('manual task: the task desk hands it out');
    expect(emulator.counters.total()).toBe(0);
  });
});

describe('kubernetes provider: connection', () => {
  const ctxIn = (dir: string) => ({ ...providerContext('k8s', {}, { policyDir: dir, stateDir: join(dir, 'state') }), managedGroups: new Set(MANAGED) });
  const tmp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-k8s-conn-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  const emulatorWith = async (groups: string[], token = TOKEN) => {
    const e = await startKubernetesEmulator({
      token,
      exchanges,
      seed: { type: 'kubernetes', accounts: [], groups: groups.map((g) => ({ id: g, name: g, members: ['User:alice@acme.com'] })) },
    });
    closers.push(e.close);
    return e;
  };
  /** Two clusters in one kubeconfig, as contexts `a` and `b`; `a` is current. */
  const twoContexts = (a: KubernetesEmulator, b: KubernetesEmulator) => {
    const ka = parse(a.kubeconfig.replaceAll('emulator', 'a')) as Record<string, unknown[]>;
    const kb = parse(b.kubeconfig.replaceAll('emulator', 'b')) as Record<string, unknown[]>;
    return stringify({
      ...ka,
      clusters: [...ka['clusters']!, ...kb['clusters']!],
      users: [...ka['users']!, ...kb['users']!],
      contexts: [...ka['contexts']!, ...kb['contexts']!],
    });
  };

  it('uses the context named in the connection, else the current one; an unknown context is a UserError', async () => {
    const a = await emulatorWith(['clusterrolebinding/in-a']);
    const b = await emulatorWith(['clusterrolebinding/in-b'], 'another-token-for-cluster-b');
    const dir = tmp();
    writeFileSync(join(dir, 'kubeconfig'), twoContexts(a, b), { mode: 0o600 });
    const observedIn = async (extra: Record<string, unknown>) =>
      (await kubernetesModule.create({ type: 'kubernetes', kubeconfig: 'kubeconfig', ...extra }, ctxIn(dir)).observe()).groups.map((g) => g.id);
    expect(await observedIn({ context: 'b' })).toEqual(['clusterrolebinding/in-b']);
    expect(await observedIn({})).toEqual(['clusterrolebinding/in-a']);
    const e = await failure(observedIn({ context: 'c' }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('a, b');
    // KUBECONFIG is read when the connection names no file.
    const viaEnv = createKubernetesProvider({ type: 'kubernetes', context: 'b' }, ctxIn(dir), { env: { KUBECONFIG: join(dir, 'kubeconfig') } });
    expect((await viaEnv.observe()).groups.map((g) => g.id)).toEqual(['clusterrolebinding/in-b']);
  });

  it('reads the service account token and CA in a pod (inCluster)', async () => {
    const e = await emulatorWith(['clusterrolebinding/in-pod'], 'projected-service-account-token');
    const sa = tmp();
    writeFileSync(join(sa, 'token'), 'projected-service-account-token');
    writeFileSync(join(sa, 'ca.crt'), e.caPem);
    writeFileSync(join(sa, 'namespace'), 'lockstep');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(e.url).port };
    const p = createKubernetesProvider({ type: 'kubernetes', inCluster: true }, ctxIn(sa), { serviceAccountDir: sa, env });
    expect((await p.observe()).groups.map((g) => g.id)).toEqual(['clusterrolebinding/in-pod']);
    expect(() => createKubernetesProvider({ type: 'kubernetes', inCluster: true }, ctxIn(sa), { serviceAccountDir: join(sa, 'none'), env })).toThrow(UserError);
    expect(() => createKubernetesProvider({ type: 'kubernetes', inCluster: true }, ctxIn(sa), { serviceAccountDir: sa, env: {} })).toThrow(/KUBERNETES_SERVICE_HOST/);
    expect(() => kubernetesModule.create({ type: 'kubernetes', inCluster: true, context: 'x' }, ctxIn(sa))).toThrow(UserError);
  });

  it('refuses plain http to a remote host and skipped TLS verification; accepts http on loopback', () => {
    const dir = tmp();
    const config = (server: string, extra: Record<string, unknown> = {}) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, ...extra } }],
        users: [{ name: 'u', user: { token: TOKEN } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      });
    const create = (text: string) => {
      writeFileSync(join(dir, 'kc'), text);
      return () => kubernetesModule.create({ type: 'kubernetes', kubeconfig: 'kc' }, ctxIn(dir));
    };
    expect(create(config('http://api.acme.internal:6443'))).toThrow(/plain http to api\.acme\.internal is refused/);
    expect(create(config('https://api.acme.internal:6443', { 'insecure-skip-tls-verify': true }))).toThrow(/always verifies/);
    expect(create(config('http://127.0.0.1:8080'))).not.toThrow();
    expect(create(config('http://[::1]:8080'))).not.toThrow();
    const missing = () => kubernetesModule.create({ type: 'kubernetes', kubeconfig: 'nope' }, ctxIn(dir));
    expect(missing).toThrow(UserError);
  });

  it('fails, never leaking a credential, on a wrong token (401) or an untrusted certificate', async () => {
    const e = await emulatorWith(['clusterrolebinding/x']);
    const dir = tmp();
    const wrongToken = 'wrong-but-still-secret-token-0123456789';
    writeFileSync(join(dir, 'kc'), e.kubeconfig.replace(TOKEN, wrongToken));
    const unauthorized = await failure(kubernetesModule.create({ type: 'kubernetes', kubeconfig: 'kc' }, ctxIn(dir)).observe());
    expect(unauthorized).toMatchObject({ status: 401, transient: false });
    const other = await generate([{ name: 'commonName', value: 'someone-else' }], { keyType: 'ec', curve: 'P-256' });
    const ca = Buffer.from(e.caPem).toString('base64');
    writeFileSync(join(dir, 'kc2'), e.kubeconfig.replace(ca, Buffer.from(other.cert).toString('base64')));
    const seen = e.counters.total();
    const untrusted = await failure(kubernetesModule.create({ type: 'kubernetes', kubeconfig: 'kc2' }, ctxIn(dir)).observe());
    expect(untrusted).toMatchObject({ transient: false });
    expect(untrusted.message).toMatch(/TLS verification/);
    for (const err of [unauthorized, untrusted]) {
      for (const secret of [wrongToken, TOKEN]) {
        expect(err.message).not.toContain(secret);
        expect(inspect(err, { depth: 5 })).not.toContain(secret);
      }
    }
    // The API server saw no request through the untrusted connection.
    expect(e.counters.total()).toBe(seen);
  });
});
