import { UserError } from '../../src/errors.js';
import type { ProviderContext, ProviderModule } from '../../src/provider/provider.js';
import { redactor } from '../../src/policy/secrets.js';
import type { KubernetesConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { kubernetesApis, loadKubeConfig, type ConnectionSettings } from './connection.js';
import { KUBERNETES_CAPABILITIES, KubernetesProvider } from './provider.js';

export { KubernetesProvider } from './provider.js';
export { loadKubeConfig, kubernetesApis } from './connection.js';
export { startKubernetesEmulator, type KubernetesEmulator, type KubernetesEmulatorOptions } from './emulator.js';

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Test-only override of where the in-cluster service account files and environment are
 * read from (a real pod always uses /var/run/secrets/kubernetes.io/serviceaccount).
 */
export interface KubernetesTestHooks {
  serviceAccountDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Every credential the kubeconfig holds, so no message can carry one. */
function scrubberFor(kc: ReturnType<typeof loadKubeConfig>): (text: string) => string {
  const user = kc.getCurrentUser();
  const secrets = [user?.token, user?.password, user?.keyData, user?.certData].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  for (const s of secrets) redactor.add(s);
  return (text) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

export function createKubernetesProvider(c: KubernetesConnection, ctx: ProviderContext, hooks: KubernetesTestHooks = {}): KubernetesProvider {
  const settings: ConnectionSettings = {
    kubeconfig: c.kubeconfig,
    context: c.context,
    inCluster: c.inCluster,
    baseDir: ctx.policyDir,
    ...(hooks.env ? { env: hooks.env } : {}),
    ...(hooks.serviceAccountDir ? { serviceAccountDir: hooks.serviceAccountDir } : {}),
  };
  const kc = loadKubeConfig(settings);
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new KubernetesProvider(
    ctx.name,
    kubernetesApis(kc, timeoutMs),
    { pageSize: c.pageSize ?? DEFAULT_PAGE_SIZE, timeoutMs, managed: ctx.managedGroups, scrub: scrubberFor(kc) },
    ctx.log,
  );
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
