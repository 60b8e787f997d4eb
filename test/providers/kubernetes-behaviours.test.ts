import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedProvider } from '../../src/types/index.js';
import type { KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { userFacingClusterRoles } from '../../providers/kubernetes/emulator/roles.js';
import { RBAC_GROUP, type RbacBinding } from '../../providers/kubernetes/mapping.js';
import { aChange, account, group } from './changes.js';
import { contractLog } from '../contracts/record.js';
import { aKubernetesWorld, RBAC, type KubernetesWorld } from './kubernetes-fixture.js';

// Every exchange with the emulator is checked against the vendor's definition when the file is done.
const exchanges = contractLog('kubernetes');

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

async function world(emulatorOptions: Parameters<typeof aKubernetesWorld>[2] = {}, managed: string[] = [ENG]): Promise<KubernetesWorld> {
  const w = await aKubernetesWorld(seed, { managed }, { exchanges, ...emulatorOptions });
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

describe('kubernetes behaviours: aggregated ClusterRoles', () => {
  // A ClusterRole with aggregationRule.clusterRoleSelectors has its rules filled by the
  // controller from the ClusterRoles whose labels match (edit into admin, view into edit),
  // and direct changes to those rules are overwritten.
  // https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles
  const widgets = { apiGroups: ['acme.com'], resources: ['widgets'], verbs: ['create', 'delete', 'update'] };
  const clusterRoles = [
    ...userFacingClusterRoles(),
    { metadata: { name: 'widgets-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }, rules: [widgets] },
  ];
  const ADMINS = 'clusterrolebinding/team-admins';
  const EDITORS = 'payments/rolebinding/editors';
  const bindings: RbacBinding[] = [
    {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'team-admins' },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'admin' },
      subjects: [user('alice@acme.com'), user('bob@acme.com')],
    },
    {
      kind: 'RoleBinding',
      metadata: { name: 'editors', namespace: 'payments' },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'edit' },
      subjects: [user('alice@acme.com'), { kind: 'Group', apiGroup: RBAC_GROUP, name: 'payments-devs' }],
    },
  ];

  it('fills aggregated rules from matching roles, transitively, and overwrites direct changes to them', async () => {
    const { emulator } = await world({ clusterRoles });
    const rbac = otherClient(emulator);
    const admin = await rbac.readClusterRole({ name: 'admin' });
    expect(admin.rules).toContainEqual(widgets);
    expect((await rbac.readClusterRole({ name: 'edit' })).rules).toContainEqual(widgets);
    expect((await rbac.readClusterRole({ name: 'view' })).rules).not.toContainEqual(widgets);
    // view's rules reach admin through edit.
    expect(admin.rules).toContainEqual({ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] });
    const stomped = await rbac.patchClusterRole({ name: 'admin', body: { rules: [] } }, MERGE);
    expect(stomped.rules).toEqual(admin.rules);
    // A new label brings a role's rules in.
    await rbac.patchClusterRole({ name: 'cluster-admin', body: { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } } } }, SMP);
    expect((await rbac.readClusterRole({ name: 'view' })).rules).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });

  it('observes and changes bindings to aggregated roles by their subjects, and never reads or writes a ClusterRole', async () => {
    const { emulator, provider } = await world({ clusterRoles, bindings }, [ENG, ADMINS, EDITORS]);
    const before = emulator.roles.list();
    const observed = await provider.observe();
    expect(observed.groups.find((g) => g.id === ADMINS)?.members).toEqual(['User:alice@acme.com', 'User:bob@acme.com']);
    expect(observed.groups.find((g) => g.id === EDITORS)?.members).toEqual(['User:alice@acme.com', 'Group:payments-devs']);
    expect((await provider.apply(aChange('k8s', 'remove_member', { account: account('User:bob@acme.com'), group: group(ADMINS) }))).result).toBe('ok');
    expect((await provider.apply(aChange('k8s', 'suspend', { account: account('User:alice@acme.com') }))).result).toBe('ok');
    expect(emulator.bindings.members(ADMINS)).toEqual([]);
    expect(emulator.bindings.members(EDITORS)).toEqual(['Group:payments-devs']);
    expect(emulator.counters.get(`GET ${RBAC}/clusterroles`) + emulator.counters.total('PUT') + emulator.counters.get(`PATCH ${RBAC}/clusterroles/{name}`)).toBe(0);
    expect(emulator.roles.list()).toEqual(before);
  });
});
