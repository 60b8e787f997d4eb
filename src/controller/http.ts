import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactor } from '../policy/secrets.js';
import type { Logger } from '../logger.js';
import type { Controller } from './controller.js';
import type { ControllerMetrics } from './metrics.js';
import { SeenEvents, verifyEvent } from './webhook.js';

const MAX_BODY = 64 * 1024;

export interface HttpOptions {
  controller: Controller;
  metrics: ControllerMetrics;
  /** The webhook's shared secret; without one, POST /v1/events answers 503. */
  secret: string | null;
  log: Logger;
}

/**
 * The controller's HTTP face: `/healthz` (alive), `/readyz` (policy loaded and leading),
 * `/metrics` (Prometheus), and `POST /v1/events` (the HR webhook). A replica that does not
 * lead, or is shutting down, answers events with 503 and Retry-After before reading them,
 * so the sender retries against the leader.
 */
export function createControllerServer(opts: HttpOptions): Server {
  const seen = new SeenEvents();
  return createServer((req, res) => {
    void route(req, res, opts, seen).catch((e: unknown) => {
      opts.log.warn(`HTTP ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, opts: HttpOptions, seen: SeenEvents): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && path === '/readyz') {
    const ready = opts.controller.ready();
    return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
  }
  if (req.method === 'GET' && path === '/metrics') {
    res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
    res.end(await opts.metrics.text());
    return;
  }
  if (path === '/v1/events') {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
    if (!opts.secret) return send(res, 503, { error: 'the HR webhook is not configured (no webhook secret)' });
    if (!opts.controller.accepting()) return send(res, 503, { error: 'not the leader or shutting down; retry' }, { 'retry-after': '5' });
    const body = await readBody(req);
    if (body === null) return send(res, 413, { error: `body larger than ${MAX_BODY} bytes` });
    const verdict = verifyEvent({ timestamp: header(req, 'x-lockstep-timestamp'), signature: header(req, 'x-lockstep-signature'), body }, opts.secret, seen, Date.now());
    if (verdict.status !== 202) {
      opts.log.warn(`HR event refused: HTTP ${verdict.status} ${verdict.error}`);
      return send(res, verdict.status, { error: verdict.error, ...(verdict.issues ? { issues: verdict.issues } : {}) });
    }
    let accepted: Awaited<ReturnType<Controller['accept']>>;
    try {
      accepted = await opts.controller.accept(verdict.event);
    } catch (e) {
      // Not acknowledged unless durable: the sender retries, and nothing was half-accepted.
      opts.log.warn(`HR event ${verdict.event.id} could not be recorded in the state store: ${redactor.redact((e as Error).message)}`);
      return send(res, 503, { error: 'the event could not be recorded durably; retry' }, { 'retry-after': '5' });
    }
    if (accepted.status === 'duplicate') return send(res, 409, { error: `event ${accepted.id} was already received` });
    return send(res, 202, accepted);
  }
  return send(res, 404, { error: 'not found' });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Parses `HOST:PORT` (`:0` picks a free port; IPv6 in brackets). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(value);
  if (!m) throw new Error(`--listen ${value} is not HOST:PORT`);
  return { host: (m[1] || '127.0.0.1').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Starts listening and resolves with the bound address as a URL. */
export function listen(server: Server, at: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${host}:${a.port}`);
    });
  });
}
