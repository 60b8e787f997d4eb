import { type Agent, request } from 'node:https';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * The last link of the Graph client's middleware chain, in place of its HTTPMessageHandler:
 * that one calls the global fetch, whose trusted CAs can only be extended per process
 * (NODE_EXTRA_CA_CERTS, read at start) or with an undici dispatcher. This sends the request with
 * node:https through an agent that trusts the public CAs plus any from `caFile`, with a
 * per-request time limit. Certificates are always verified. Failures without an answer
 * are thrown as errors named `TimeoutError` or `ConnectionError` (the Graph client keeps
 * an error's name as its code), with the socket error's code in the message; a request
 * that would go over plain http is refused (`RefusedError`).
 */
export class HttpsTransport implements Middleware {
  constructor(
    private readonly agent: Agent,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    // A link handed back by the service (nextLink, deltaLink) could name plain http: never follow it.
    if (!url.startsWith('https://')) throw Object.assign(new Error(`refusing to send a request over plain http to ${new URL(url).host}`), { name: 'RefusedError' });
    const options = context.options ?? {};
    const headers = headerRecord(options.headers);
    const body =
      typeof options.body === 'string' || options.body instanceof Uint8Array
        ? options.body
        : options.body === undefined || options.body === null
          ? undefined
          : String(options.body);
    context.response = await send(this.agent, url, (options.method ?? 'GET').toUpperCase(), headers, body, this.timeoutMs);
  }
}

function headerRecord(h: unknown): Record<string, string> {
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
