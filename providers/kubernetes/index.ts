import { UserError } from '../../src/errors.js';
import type { ProviderContext, ProviderModule } from '../../src/provider/provider.js';
import type { KubernetesConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { connectKubernetes, type KubernetesTestHooks } from './connection.js';
import { KUBERNETES_CAPABILITIES, KubernetesProvider } from './provider.js';

export { KubernetesProvider } from './provider.js';
export type { KubernetesTestHooks } from './connection.js';

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_TIMEOUT_MS = 30_000;

export function createKubernetesProvider(c: KubernetesConnection, ctx: ProviderContext, hooks: KubernetesTestHooks = {}): KubernetesProvider {
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { apis, scrub } = connectKubernetes(c, { policyDir: ctx.policyDir, timeoutMs, hooks, tap: ctx.tap });
  return new KubernetesProvider(ctx.name, apis, { pageSize: c.pageSize ?? DEFAULT_PAGE_SIZE, timeoutMs, managed: ctx.managedGroups, scrub }, ctx.log);
}

export const kubernetesModule: ProviderModule<KubernetesConnection> = {
  type: 'kubernetes',
  configSchema,
  capabilities: () => KUBERNETES_CAPABILITIES,
  create(connection, ctx) {
    if (connection.inCluster === true && (connection.kubeconfig || connection.context)) {
      throw new UserError('inCluster cannot be combined with kubeconfig or context');
    }
    return createKubernetesProvider(connection, ctx);
  },
};
