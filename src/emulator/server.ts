import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestCounters } from './counters.js';
import { captureExchange, type ExchangeLog } from './exchanges.js';
import { FaultController, interceptFaults, type ErrorRenderer } from './faults.js';
import { readBody, writeReply, type Reply } from './http.js';
import type { Route, RouteMatch, RouteTable } from './routes.js';

/**
 * The HTTP server every emulator runs on: it listens on 127.0.0.1 (http, or https with
 * a certificate), finds each request's endpoint in the emulator's route table, counts
 * it, waits out latency, answers injected faults, reads the body and hands the request
 * to the emulator; the emulator answers with a Reply, written as the API's JSON.
 */
export interface EmulatorRequest<R extends Route> extends RouteMatch<R> {
  /** Upper case. */
  readonly method: string;
  /** Absolute, under the server's origin. */
  readonly url: URL;
  /** The path as routed: without the base path. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body text. */
  readonly body: string;
}

/** An answer that closes the connection without a response (a dropped connection). */
export const DROP_CONNECTION = Symbol('drop the connection');
export type Answer = Reply | typeof DROP_CONNECTION;

export interface EmulatorServerOptions<R extends Route> {
  /** 0 or absent: a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** Serve https with this key and certificate (PEM); http without. */
  tls?: { keyPem: string; certPem: string };
  /** Where the API is mounted (e.g. `/scim/v2`): part of `url`, removed from paths before routing. */
  basePath?: string;
  routes: RouteTable<R>;
  /** Added to every request before anything else, to emulate network and service time (benchmarks). */
  latencyMs?: number;
  /** Given when the emulator uses them itself; made otherwise. */
  faults?: FaultController;
  counters?: RequestCounters;
  /** Keeps every request and answer (tests checking them against the vendor's API definition). */
  exchanges?: ExchangeLog;
  /** The API's error body: for injected faults and for requests the emulator fails on (500). */
  renderError: ErrorRenderer;
  /** Content-Type of the API's JSON answers, and headers every answer carries. */
  contentType: string;
  headers?: Record<string, string>;
  /** Answers one request, usually by checking its credentials and calling its route's handler. */
  answer(req: EmulatorRequest<R>): Answer | Promise<Answer>;
  /** The API's answer for an error `answer` threw (the API's error class); undefined for any other error (500). */
  errorReply?(error: unknown): Reply | undefined;
}

export interface EmulatorServer {
  /** `http(s)://127.0.0.1:PORT` and the base path. */
  readonly url: string;
  /** `http(s)://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  close(): Promise<void>;
}

export async function startEmulatorServer<R extends Route>(options: EmulatorServerOptions<R>): Promise<EmulatorServer> {
  const faults = options.faults ?? new FaultController();
  const counters = options.counters ?? new RequestCounters();
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  let origin = '';

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((e: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const { contentType, body } = options.renderError(500, e instanceof Error ? e.message : String(e));
      res.statusCode = 500;
      res.setHeader('Content-Type', contentType);
      res.end(body);
    });
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.keyPem, cert: options.tls.certPem }, listener) : createHttpServer(listener);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname;
    const match = options.routes.match(method, path);
    const exchange = options.exchanges && captureExchange(options.exchanges, { method, url, template: match.template, headers: req.headers }, res);
    if (options.latencyMs) await sleep(options.latencyMs);
    const onFault = exchange?.injected;
    if (await interceptFaults(req, res, { method, template: match.template, path }, { faults, counters, onFault }, options.renderError)) return;
    const body = await readBody(req);
    exchange?.requestBody(body);
    let answer: Answer;
    try {
      answer = await options.answer({ ...match, method, url, path, headers: req.headers, body });
    } catch (e) {
      const known = options.errorReply?.(e);
      if (!known) throw e;
      answer = known;
    }
    if (answer === DROP_CONNECTION) req.socket.destroy();
    else writeReply(res, answer, options.contentType, options.headers);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}${basePath}`,
    origin,
    faults,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
