import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedProvider } from '../../src/types/index.js';
import type { KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { RBAC_GROUP } from '../../providers/kubernetes/mapping.js';
import { aChange, account, group } from './changes.js';
import { aKubernetesWorld, RBAC, type KubernetesWorld } from './kubernetes-fixture.js';

/**
 * Kubernetes API behaviours the provider's definitions do not show, each reproduced by the
 * emulator as the API server behaves and handled by the provider, through the official client.
 */
const ENG = 'clusterrolebinding/eng-edit';
const seed: ObservedProvider = {
  type: 'kubernetes',
  accounts: [],
  groups: [{ id: ENG, name: ENG, members: ['User:alice@acme.com', 'User:bob@acme.com', 'User:carol@acme.com'] }],
};
const user = (name: string) => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const SMP = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function world(emulatorOptions: Parameters<typeof aKubernetesWorld>[2] = {}): Promise<KubernetesWorld> {
  const w = await aKubernetesWorld(seed, { managed: [ENG] }, emulatorOptions);
  closers.push(w.close);
  return w;
}

/** Another client of the cluster: the official client with the emulator's kubeconfig. */
function otherClient(e: KubernetesEmulator): RbacAuthorizationV1Api {
  const kc = new KubeConfig();
  kc.loadFromString(e.kubeconfig);
  return kc.makeApiClient(RbacAuthorizationV1Api);
}

const codeOf = (p: Promise<unknown>): Promise<number | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof ApiException ? e.code : -1),
  );

describe('kubernetes behaviours: strategic merge patch on subjects', () => {
  // RoleBinding and ClusterRoleBinding `subjects` declare no patchStrategy (k8s.io/api
  // rbac/v1 types.go: `json:"subjects,omitempty" protobuf:"bytes,2,rep,name=subjects"`), so a
  // strategic merge patch replaces the whole list; metadata.finalizers merges as a set.
  // https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
  // https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
  it('replaces the whole subjects list, merges maps and finalizers, as the API server does', async () => {
    const { emulator } = await world();
    const rbac = otherClient(emulator);
    await rbac.patchClusterRoleBinding({ name: 'eng-edit', body: { metadata: { labels: { team: 'eng' }, finalizers: ['a/x'] } } }, SMP);
    const patched = await rbac.patchClusterRoleBinding(
      { name: 'eng-edit', body: { metadata: { labels: { tier: 'gold' }, finalizers: ['a/y'] }, subjects: [user('alice@acme.com')] } },
      SMP,
    );
    expect(patched.subjects).toEqual([user('alice@acme.com')]);
    expect(patched.metadata?.labels).toEqual({ team: 'eng', tier: 'gold' });
    expect(patched.metadata?.finalizers).toEqual(['a/x', 'a/y']);
    const deleted = await rbac.patchClusterRoleBinding(
      { name: 'eng-edit', body: { metadata: { labels: { team: null }, '$deleteFromPrimitiveList/finalizers': ['a/x'] } } },
      SMP,
    );
    expect(deleted.metadata?.labels).toEqual({ tier: 'gold' });
    expect(deleted.metadata?.finalizers).toEqual(['a/y']);
    // A JSON merge patch replaces lists too, finalizers included.
    const merged = await rbac.patchClusterRoleBinding({ name: 'eng-edit', body: { metadata: { finalizers: ['a/z'] } } }, MERGE);
    expect(merged.metadata?.finalizers).toEqual(['a/z']);
  });

  it('removes one subject with a JSON Patch that tests it at its index, keeping what another client changed meanwhile', async () => {
    const { emulator, provider } = await world();
    const rbac = otherClient(emulator);
    // The provider's patch is held while another client rewrites the list with a
    // strategic merge patch: alice leaves, dave joins, carol moves from index 2 to 1.
    emulator.faults.set({ latency: { method: 'PATCH', path: `${RBAC}/clusterrolebindings/{name}`, ms: 300 } });
    const pending = provider.apply(aChange('k8s', 'remove_member', { account: account('User:carol@acme.com'), group: group(ENG) }));
    while (emulator.counters.get(`PATCH ${RBAC}/clusterrolebindings/{name}`) === 0) await sleep(5);
    emulator.faults.clear();
    await rbac.patchClusterRoleBinding({ name: 'eng-edit', body: { subjects: [user('bob@acme.com'), user('carol@acme.com'), user('dave@acme.com')] } }, SMP);
    expect((await pending).result).toBe('ok');
    // A remove at index 2 alone would have taken dave.
    expect(emulator.bindings.members(ENG)).toEqual(['User:bob@acme.com', 'User:dave@acme.com']);
  });

  // A patch that another write overtook is applied again to the object as it now is: a
  // strategic merge patch without resourceVersion lands on top (its list replaces the
  // other writer's), a JSON Patch test that no longer holds is 422, and a patch naming
  // the stale resourceVersion is 409 Conflict.
  it('with reapplyPatches, applies an overtaken patch to the latest object: SMP lands on top, a failed test is 422, a stale resourceVersion 409', async () => {
    const { emulator } = await world({ reapplyPatches: true });
    const rbac = otherClient(emulator);
    const dave = () => emulator.setSubjects(ENG, (s) => [...s, user('dave@acme.com')]);
    const rv = (await rbac.readClusterRoleBinding({ name: 'eng-edit' })).metadata!.resourceVersion!;
    emulator.beforeNextWrite(dave);
    await rbac.patchClusterRoleBinding({ name: 'eng-edit', body: { subjects: [user('alice@acme.com')] } }, SMP);
    // dave, added between the patch's read and its write, is gone: the list was replaced.
    expect(emulator.bindings.members(ENG)).toEqual(['User:alice@acme.com']);
    const now = (await rbac.readClusterRoleBinding({ name: 'eng-edit' })).metadata!.resourceVersion!;
    emulator.beforeNextWrite(dave);
    const tested = [
      { op: 'test', path: '/metadata/resourceVersion', value: now },
      { op: 'add', path: '/subjects/-', value: user('erin@acme.com') },
    ];
    expect(await codeOf(rbac.patchClusterRoleBinding({ name: 'eng-edit', body: tested }, JSON_PATCH))).toBe(422);
    expect(await codeOf(rbac.patchClusterRoleBinding({ name: 'eng-edit', body: { metadata: { resourceVersion: rv }, subjects: [] } }, MERGE))).toBe(409);
    expect(emulator.bindings.members(ENG)).toEqual(['User:alice@acme.com', 'User:dave@acme.com']);
  });
});
