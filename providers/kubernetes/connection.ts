import { RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeApiConfiguration } from '../../src/kube/client.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import { redactor } from '../../src/policy/secrets.js';
import type { KubernetesConnection } from '../../src/types/index.js';
import type { HttpTap } from '../../src/provider/http-tap.js';

/**
 * Test-only override of where the in-cluster service account files and environment are
 * read from (a real pod always uses /var/run/secrets/kubernetes.io/serviceaccount).
 */
export interface KubernetesTestHooks {
  serviceAccountDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The API the provider calls: RBAC bindings. */
export interface KubernetesApis {
  rbac: RbacAuthorizationV1Api;
}

/** A Config connection's cluster: its RBAC API, and a scrubber of every credential its kubeconfig holds. */
export function connectKubernetes(
  c: KubernetesConnection,
  opts: { policyDir: string; timeoutMs: number; hooks: KubernetesTestHooks; tap?: HttpTap | undefined },
): { apis: KubernetesApis; scrub: (text: string) => string } {
  const kc = loadKubeConfig({
    kubeconfig: c.kubeconfig,
    context: c.context,
    inCluster: c.inCluster,
    baseDir: opts.policyDir,
    ...(opts.hooks.env ? { env: opts.hooks.env } : {}),
    ...(opts.hooks.serviceAccountDir ? { serviceAccountDir: opts.hooks.serviceAccountDir } : {}),
  });
  return { apis: { rbac: new RbacAuthorizationV1Api(kubeApiConfiguration(kc, opts.timeoutMs, opts.tap)) }, scrub: scrubberFor(kc) };
}

/** Every credential the kubeconfig holds, so no message can carry one. */
function scrubberFor(kc: KubeConfig): (text: string) => string {
  const user = kc.getCurrentUser();
  const secrets = [user?.token, user?.password, user?.keyData, user?.certData].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  for (const s of secrets) redactor.add(s);
  return (text) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
}
