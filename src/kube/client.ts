import {
  createConfiguration,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
} from '@kubernetes/client-node';
import { headerRecord, type HttpTap } from '../provider/http-tap.js';

/**
 * What the official API clients are built from for a loaded kubeconfig (`new
 * RbacAuthorizationV1Api(config)`, `new CoordinationV1Api(config)`): its current
 * cluster and credentials, every request limited to `timeoutMs`. With a tap (a
 * recording or a replay), each request goes through it once the kubeconfig's
 * credentials are on it.
 */
export function kubeApiConfiguration(kc: KubeConfig, timeoutMs: number, tap?: HttpTap): Configuration {
  const server = kc.getCurrentCluster()!.server;
  const timeout: Middleware = {
    pre: async (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return ctx;
    },
    post: async (res: ResponseContext) => res,
  };
  const options = { baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc }, promiseMiddleware: [timeout] };
  if (!tap) return createConfiguration(options);
  const direct = createConfiguration(options).httpApi;
  const httpApi = wrapHttpLibrary({
    async send(request) {
      const body = request.getBody();
      const answer = await tap.exchange(
        {
          method: request.getHttpMethod().toString().toUpperCase(),
          url: request.getUrl(),
          headers: headerRecord(request.getHeaders()),
          body: typeof body === 'string' ? body : undefined,
        },
        async () => {
          const res = await direct.send(request).toPromise();
          return { status: res.httpStatusCode, headers: headerRecord(res.headers), body: await res.body.text() };
        },
      );
      const text = async () => answer.body;
      return new ResponseContext(answer.status, { ...answer.headers }, { text, binary: async () => Buffer.from(answer.body) });
    },
  });
  return createConfiguration({ ...options, httpApi });
}
