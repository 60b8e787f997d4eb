import { type Agent, request } from 'node:https';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { createDefaultHttpClient, createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { headerRecord, type HttpTap, responseOf, tapResponseOf } from '../../src/provider/http-tap.js';

/**
 * The last link of the Graph client's middleware chain, in place of its HTTPMessageHandler:
 * that one calls the global fetch, whose trusted CAs can only be extended per process
 * (NODE_EXTRA_CA_CERTS, read at start) or with an undici dispatcher. This sends the request with
 * node:https through an agent that trusts the public CAs plus any from `caFile`, with a
 * per-request time limit. Certificates are always verified. Failures without an answer
 * are thrown as errors named `TimeoutError` or `ConnectionError` (the Graph client keeps
 * an error's name as its code), with the socket error's code in the message; a request
 * that would go over plain http is refused (`RefusedError`). With a tap (a recording or
 * a replay) each request goes through it.
 */
export class HttpsTransport implements Middleware {
  constructor(
    private readonly agent: Agent,
    private readonly timeoutMs: number,
    private readonly tap?: HttpTap,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    // A link handed back by the service (nextLink, deltaLink) could name plain http: never follow it.
    if (!url.startsWith('https://')) throw Object.assign(new Error(`refusing to send a request over plain http to ${new URL(url).host}`), { name: 'RefusedError' });
    const options = context.options ?? {};
    const headers = headersOf(options.headers);
    const body =
      typeof options.body === 'string' || options.body instanceof Uint8Array
        ? options.body
        : options.body === undefined || options.body === null
          ? undefined
          : String(options.body);
    const method = (options.method ?? 'GET').toUpperCase();
    const direct = () => send(this.agent, url, method, headers, body, this.timeoutMs);
    if (!this.tap) {
      context.response = await direct();
      return;
    }
    const text = body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    const request = { method, url, headers: headerRecord(headers), body: text };
    context.response = responseOf(await this.tap.exchange(request, async () => tapResponseOf(await direct())));
  }
}

/**
 * Azure Identity's HTTP client (the token requests) with every request through the tap;
 * the default client still sends them, with the TLS settings Identity gives each request.
 */
export function tappedHttpClient(tap: HttpTap): HttpClient {
  const base = createDefaultHttpClient();
  return {
    async sendRequest(request: PipelineRequest) {
      const body = typeof request.body === 'string' ? request.body : undefined;
      const answer = await tap.exchange({ method: request.method, url: request.url, headers: headerRecord([...request.headers]), body }, async () => {
        const res = await base.sendRequest(request);
        return { status: res.status, headers: headerRecord([...res.headers]), body: res.bodyAsText ?? '' };
      });
      return { request, status: answer.status, headers: createHttpHeaders(answer.headers), bodyAsText: answer.body };
    },
  };
}

function headersOf(h: unknown): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  if (Array.isArray(h)) return Object.fromEntries(h as [string, string][]);
  return Object.fromEntries(Object.entries(h as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined, timeoutMs: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const fail = (name: string, message: string) => reject(Object.assign(new Error(message), { name }));
    const req = request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => fail('ConnectionError', `connection failed while reading the answer (${e.code ?? 'ERROR'})`));
      res.on('end', () => {
        const status = res.statusCode ?? 500;
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        const empty = status === 204 || status === 304 || method === 'HEAD';
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      fail('TimeoutError', `no answer within ${timeoutMs} ms`);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERROR';
      const untrusted = /CERT|SIGNATURE|ERR_TLS/.test(code);
      fail('ConnectionError', `connection failed (${code}${untrusted ? ': the server certificate is not trusted; add its CA to caFile' : ''})`);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
