import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/**
 * What the official API clients are built from for a loaded kubeconfig (`new
 * RbacAuthorizationV1Api(config)`, `new CoordinationV1Api(config)`): its current
 * cluster and credentials, every request limited to `timeoutMs`.
 */
export function kubeApiConfiguration(kc: KubeConfig, timeoutMs: number): Configuration {
  const server = kc.getCurrentCluster()!.server;
  const timeout: Middleware = {
    pre: async (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return ctx;
    },
    post: async (res: ResponseContext) => res,
  };
  return createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc }, promiseMiddleware: [timeout] });
}
