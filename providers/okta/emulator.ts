import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer } from '../../src/emulator/faults.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, rateLimitBucket, type RateLimitSettings } from './emulator-limits.js';
import { OAuthServer, requiredScopes, type OAuthServiceApp } from './emulator-oauth.js';
import { oktaPathTemplate, route, type Answer } from './emulator-routes.js';
import { OktaRequestError, OktaStore } from './emulator-store.js';
import type { OktaUserStatus } from './mapping.js';
import { readBody } from '../../src/emulator/http.js';

/**
 * An Okta org for the subset of the Management API Lockstep uses: users (list with
 * filter, get, lifecycle, delete, sessions, grants, clients and their tokens, factors),
 * groups and memberships, SSWS API tokens and OAuth 2.0 service apps, Link pagination,
 * per-bucket rate limits with X-Rate-Limit-* headers, and Okta error bodies. Tests and
 * the sandbox drive it over real HTTP through the official SDK.
 */
export interface OktaEmulatorOptions {
  /** Initial users and groups, e.g. one provider of a snapshot. */
  seed?: ObservedProvider;
  /** Okta statuses for seeded accounts beyond active/suspended/deprovisioned (e.g. STAGED), by id. */
  statuses?: Record<string, OktaUserStatus>;
  /** The SSWS API token accepted. Without token and apps every request is let in. */
  token?: string;
  /** OAuth 2.0 service apps allowed to get access tokens with a private key JWT. */
  apps?: OAuthServiceApp[];
  /** Requests per window in each rate-limit bucket (default 600 per minute). */
  rateLimit?: RateLimitSettings;
  /** Added to every request, to emulate network and service time (benchmarks). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
}

export interface OktaEmulator {
  /** The org URL to give the SDK as orgUrl. */
  readonly url: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: OktaStore;
  readonly limits: RateLimiter;
  readonly oauth: OAuthServer;
  /** The state in Lockstep's observed form. */
  observed(): ObservedProvider;
  /** Live sessions, OAuth tokens (refresh tokens and grants) and factors of a user. */
  credentials(userId: string): { sessions: number; tokens: number; factors: number };
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

function errorBody(status: number, errorCode: string, summary: string, causes: string[] = []): string {
  return JSON.stringify({ errorCode, errorSummary: summary, errorLink: errorCode, errorId: `oae${randomBytes(11).toString('base64url')}`, errorCauses: causes.map((c) => ({ errorSummary: c })) });
}

const renderFault: ErrorRenderer = (status, detail) => ({
  contentType: JSON_TYPE,
  body: status === 429 ? errorBody(429, 'E0000047', 'API call exceeded rate limit due to too many requests.') : errorBody(status, 'E0000009', `Internal Server Error: ${detail}`),
});

export async function startOktaEmulator(options: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const store = new OktaStore(options.seed, options.statuses);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const limits = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const oauth = new OAuthServer(options.apps);
  const authRequired = options.token !== undefined || (options.apps?.length ?? 0) > 0;
  let root = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(500, 'E0000009', `Internal Server Error: ${e instanceof Error ? e.message : 'unknown'}`));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', root);
    const method = (req.method ?? 'GET').toUpperCase();
    if (options.latencyMs) await sleep(options.latencyMs);
    const endpoint = { method, template: oktaPathTemplate(url.pathname), path: url.pathname };
    if (await interceptFaults(req, res, endpoint, { faults, counters }, renderFault)) return;
    const body = await readBody(req);
    const limit = limits.take(rateLimitBucket(url.pathname));
    for (const [k, v] of Object.entries(limit.headers)) res.setHeader(k, v);
    if (!limit.allowed) return sendJson(res, 429, errorBody(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'));
    if (url.pathname === '/oauth2/v1/token') {
      if (method !== 'POST') return sendJson(res, 405, errorBody(405, 'E0000022', 'The endpoint does not support the provided HTTP method'));
      const answer = oauth.token(new URLSearchParams(body), `${root}/oauth2/v1/token`);
      res.setHeader('Cache-Control', 'no-store');
      return sendJson(res, answer.status, JSON.stringify(answer.body));
    }
    try {
      if (authRequired) authorize(req, method, url.pathname);
      send(res, route(store, { method, url, root }));
    } catch (e) {
      if (!(e instanceof OktaRequestError)) throw e;
      if (e.status === 401) res.setHeader('WWW-Authenticate', 'SSWS realm="okta"');
      sendJson(res, e.status, errorBody(e.status, e.errorCode, e.message, e.causes));
    }
  }

  function authorize(req: IncomingMessage, method: string, path: string): void {
    const header = req.headers.authorization ?? '';
    if (options.token !== undefined && header === `SSWS ${options.token}`) return;
    const bearer = /^Bearer (\S+)$/.exec(header)?.[1];
    const scopes = bearer ? oauth.scopesOf(bearer) : undefined;
    if (!scopes) throw new OktaRequestError(401, 'E0000011', 'Invalid token provided');
    if (!requiredScopes(method, path).some((s) => scopes.has(s))) {
      throw new OktaRequestError(403, 'E0000006', 'You do not have permission to perform the requested action', [`The access token lacks the scope ${requiredScopes(method, path).at(-1)}`]);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: root,
    faults,
    counters,
    store,
    limits,
    oauth,
    observed: () => store.observed(),
    credentials: (id) => store.credentialCounts(id),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, answer: Answer): void {
  for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
  if (answer.status === 204 || answer.body === undefined) {
    // No body and no Content-Type: the SDK parses a typed empty body as JSON and would fail.
    res.statusCode = answer.status;
    res.end();
    return;
  }
  sendJson(res, answer.status, JSON.stringify(answer.body));
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.end(body);
}

