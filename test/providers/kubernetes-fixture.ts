import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilitiesOf } from '../../providers/registry.js';
import type { Provider, ProviderContext } from '../../src/provider/provider.js';
import type { KubernetesConnection, ObservedProvider, PlanChange } from '../../src/types/index.js';
import { kubernetesModule } from '../../providers/kubernetes/index.js';
import { startKubernetesEmulator, type KubernetesEmulator, type KubernetesEmulatorOptions } from '../../providers/kubernetes/emulator/index.js';
import type { ContractFixture, ContractSetupOptions } from './contract.js';
import { providerContext } from './scim-fixture.js';

export const RBAC = '/apis/rbac.authorization.k8s.io/v1';
export const COORDINATION = '/apis/coordination.k8s.io/v1';
export const TOKEN = 'k8s-contract-bearer-token-5f1e2d3c';

/** Where the Kubernetes provider's requests go, as fault-rule matches. */
export const KUBERNETES_ENDPOINTS: ContractFixture['endpoints'] = {
  // A suspend re-reads the bindings with the bulk lists before patching.
  readAccount: { method: 'GET', path: `${RBAC}/clusterrolebindings` },
  writeAccount: { method: 'PATCH', path: `${RBAC}/clusterrolebindings/{name}` },
  writeGroup: { method: 'PATCH', path: `${RBAC}/clusterrolebindings/{name}` },
  deleteAccount: { method: 'DELETE', path: `${RBAC}/clusterrolebindings/{name}` },
};

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/**
 * The contract seed as a cluster: the first half of the groups become ClusterRoleBindings,
 * the rest RoleBindings in namespace `platform`; accounts are `User:<login>` subjects.
 */
export function bindingNames(seed: ObservedProvider): Map<string, string> {
  const half = Math.ceil(seed.groups.length / 2);
  return new Map(seed.groups.map((g, i) => [g.id, i < half ? `clusterrolebinding/${slug(g.name)}` : `platform/rolebinding/${slug(g.name)}`]));
}

export function kubernetesSeed(seed: ObservedProvider): ObservedProvider {
  const names = bindingNames(seed);
  const login = new Map(seed.accounts.map((a) => [a.id, a.login]));
  const groups = seed.groups.map((g) => ({ id: names.get(g.id)!, name: names.get(g.id)!, members: g.members.map((m) => `User:${login.get(m) ?? m}`) }));
  const bound = new Set(groups.flatMap((g) => g.members));
  const accounts = seed.accounts
    .filter((a) => bound.has(`User:${a.login}`))
    .map((a) => ({ id: `User:${a.login}`, login: a.login, status: 'active' as const, emails: [a.login] }));
  return { type: 'kubernetes', accounts, groups };
}

/**
 * Translates between the contract's ids (u1, g1) and the cluster's (User:alice@acme.com,
 * clusterrolebinding/engineering). A Kubernetes subject has no status: Lockstep sees one in
 * no managed binding as suspended, so every seed account is shown, `suspended` unless it
 * holds a managed binding.
 */
export class ContractView {
  private readonly accountOf = new Map<string, string>();
  private readonly subjectOf = new Map<string, string>();
  private readonly groupOf = new Map<string, { id: string; name: string }>();
  private readonly bindingOf = new Map<string, string>();

  constructor(private readonly seed: ObservedProvider) {
    for (const a of seed.accounts) {
      this.accountOf.set(`User:${a.login}`, a.id);
      this.subjectOf.set(a.id, `User:${a.login}`);
    }
    for (const [id, binding] of bindingNames(seed)) {
      this.groupOf.set(binding, { id, name: seed.groups.find((g) => g.id === id)!.name });
      this.bindingOf.set(id, binding);
    }
  }

  get managed(): Set<string> {
    return new Set(this.bindingOf.values());
  }

  toContract(o: ObservedProvider): ObservedProvider {
    const groups = o.groups.map((g) => ({ ...(this.groupOf.get(g.id) ?? { id: g.id, name: g.name }), members: g.members.map((m) => this.accountOf.get(m) ?? m) }));
    const held = new Set(o.groups.filter((g) => this.groupOf.has(g.id)).flatMap((g) => g.members));
    const known = this.seed.accounts.map((a) => ({
      id: a.id,
      login: a.login,
      emails: [a.login],
      status: held.has(`User:${a.login}`) ? ('active' as const) : ('suspended' as const),
    }));
    const others = o.accounts.filter((a) => !this.accountOf.has(a.id));
    return { ...o, type: this.seed.type, accounts: [...known, ...others], groups };
  }

  toCluster(change: PlanChange): PlanChange {
    const { account, group } = change.target;
    return {
      ...change,
      target: {
        ...change.target,
        ...(account ? { account: { ...account, id: this.subjectOf.get(account.id) ?? account.id } } : {}),
        ...(group ? { group: { id: this.bindingOf.get(group.id) ?? group.id, name: this.bindingOf.get(group.id) ?? group.name } } : {}),
      },
    };
  }
}

export interface KubernetesWorld {
  emulator: KubernetesEmulator;
  provider: Provider;
  connection: KubernetesConnection;
  ctx: ProviderContext;
  dir: string;
  close(): Promise<void>;
}

/** An emulator, its kubeconfig in a temporary folder, and a provider built through the module as Config would. */
export async function aKubernetesWorld(
  seed: ObservedProvider,
  options: { managed?: Iterable<string>; pageSize?: number; timeoutMs?: number; connection?: Partial<KubernetesConnection> } = {},
  emulatorOptions: Partial<KubernetesEmulatorOptions> = {},
): Promise<KubernetesWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-k8s-'));
  const emulator = await startKubernetesEmulator({ seed, token: TOKEN, ...emulatorOptions });
  writeFileSync(join(dir, 'kubeconfig'), emulator.kubeconfig, { mode: 0o600 });
  const connection: KubernetesConnection = {
    type: 'kubernetes',
    kubeconfig: 'kubeconfig',
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...options.connection,
  };
  const ctx: ProviderContext = {
    ...providerContext('k8s', {}, { policyDir: dir, stateDir: join(dir, 'state') }),
    managedGroups: new Set(options.managed ?? seed.groups.map((g) => g.name)),
  };
  const provider = kubernetesModule.create(connection, ctx);
  return {
    emulator,
    provider,
    connection,
    ctx,
    dir,
    close: async () => {
      await provider.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function kubernetesFixture(options: ContractSetupOptions, emulatorOptions: Partial<KubernetesEmulatorOptions> = {}): Promise<ContractFixture> {
  const view = new ContractView(options.seed);
  const world = await aKubernetesWorld(
    kubernetesSeed(options.seed),
    { managed: view.managed, pageSize: options.pageSize, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
    emulatorOptions,
  );
  const inner = world.provider;
  const provider: Provider = {
    name: inner.name,
    type: inner.type,
    capabilities: inner.capabilities,
    observe: async (o) => view.toContract(await inner.observe(o)),
    apply: (change) => inner.apply(view.toCluster(change)),
    close: () => inner.close(),
  };
  return {
    provider,
    controls: { faults: world.emulator.faults, counters: world.emulator.counters, inspect: () => view.toContract(world.emulator.observed()) },
    seed: view.toContract(kubernetesSeed(options.seed)),
    listEndpoints: [
      { key: `GET ${RBAC}/clusterrolebindings`, lists: 'groups' },
      { key: `GET ${RBAC}/rolebindings`, lists: 'groups' },
    ],
    endpoints: KUBERNETES_ENDPOINTS,
    secret: TOKEN,
    automated: capabilitiesOf(world.connection).automated,
    suspendRemovesMemberships: true,
    close: world.close,
  };
}
