import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors.js';

/**
 * How Lockstep reaches a Kubernetes API server (the provider's cluster, the controller's
 * Lease), as kubectl does: a kubeconfig (its context, CA, bearer token or client
 * certificate, re-read token files and exec plugins through the official client) or, in a
 * pod, the service account. TLS is always verified; plain http is only accepted for a
 * loopback address.
 */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSettings {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  inCluster?: boolean | undefined;
  /** Folder relative kubeconfig paths are read from (the policy folder). */
  baseDir: string;
  /** The environment (KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where the service account's token and ca.crt are (tests point it at a temporary folder). */
  serviceAccountDir?: string;
}

export function loadKubeConfig(s: KubeConfigSettings): KubeConfig {
  const env = s.env ?? process.env;
  const kc = new KubeConfig();
  if (s.inCluster) {
    if (s.kubeconfig || s.context) throw new UserError('inCluster cannot be combined with kubeconfig or context');
    loadInCluster(kc, env, s.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  } else {
    const files = s.kubeconfig ? [isAbsolute(s.kubeconfig) ? s.kubeconfig : resolve(s.baseDir, s.kubeconfig)] : defaultFiles(env);
    if (files.length === 0) throw new UserError('no kubeconfig: set kubeconfig, $KUBECONFIG, create ~/.kube/config, or use inCluster: true');
    try {
      kc.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } catch (e) {
      // The parser's message may quote the file; say only which file and why it failed in kind.
      throw new UserError(`kubeconfig ${files.join(delimiter)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'not a valid kubeconfig'}`);
    }
    if (s.context) {
      if (!kc.getContextObject(s.context)) {
        throw new UserError(
          `kubeconfig has no context "${s.context}" (it has: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          })`,
        );
      }
      kc.setCurrentContext(s.context);
    }
  }
  checkCluster(kc);
  return kc;
}

function defaultFiles(env: NodeJS.ProcessEnv): string[] {
  if (env['KUBECONFIG']) return env['KUBECONFIG'].split(delimiter).filter(Boolean);
  const file = join(env['HOME'] || homedir(), '.kube', 'config');
  return existsSync(file) ? [file] : [];
}

/** The client's in-cluster configuration (`loadFromCluster`), with the folder and environment given. */
function loadInCluster(kc: KubeConfig, env: NodeJS.ProcessEnv, dir: string): void {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) throw new UserError('inCluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)');
  for (const f of ['token', 'ca.crt']) {
    if (!existsSync(join(dir, f))) throw new UserError(`inCluster: ${join(dir, f)} is missing (is a service account token mounted?)`);
  }
  kc.loadFromClusterAndUser(
    { name: 'inCluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: join(dir, 'ca.crt'), skipTLSVerify: false },
    // tokenFile is re-read by the client, so a rotated projected token is picked up.
    { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } },
  );
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function checkCluster(kc: KubeConfig): void {
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) throw new UserError(`kubeconfig context "${context ?? ''}" names no cluster`);
  if (cluster.skipTLSVerify) throw new UserError(`cluster "${cluster.name}" sets insecure-skip-tls-verify: Lockstep always verifies the API server's certificate`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new UserError(`cluster "${cluster.name}" has an invalid server URL`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new UserError(`cluster "${cluster.name}": plain http to ${url.hostname} is refused; use https (http is only accepted for 127.0.0.1, ::1 or localhost)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`cluster "${cluster.name}": server must be an https URL`);
}
