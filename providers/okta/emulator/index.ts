import { randomBytes } from 'node:crypto';
import type { FaultController } from '../../../src/emulator/faults.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { Reply } from '../../../src/emulator/http.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer, type EmulatorRequest } from '../../../src/emulator/server.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import type { OktaUserStatus } from '../mapping.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, rateLimitBucket, type RateLimitSettings } from './limits.js';
import { OAuthServer, requiredScopes, type OAuthServiceApp } from './oauth.js';
import { notAllowed, notFoundEndpoint, OKTA_ROUTES, oktaPathTemplate, type OktaRoute } from './routes.js';
import { OktaRequestError, OktaStore } from './store.js';

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

const TOKEN_PATH = '/oauth2/v1/token';

function errorBody(errorCode: string, summary: string, causes: string[] = []): unknown {
  return { errorCode, errorSummary: summary, errorLink: errorCode, errorId: `oae${randomBytes(11).toString('base64url')}`, errorCauses: causes.map((c) => ({ errorSummary: c })) };
}

const rateLimited = (): OktaRequestError => new OktaRequestError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');

function errorReply(e: OktaRequestError): Reply {
  return { status: e.status, body: errorBody(e.errorCode, e.message, e.causes), ...(e.status === 401 ? { headers: { 'WWW-Authenticate': 'SSWS realm="okta"' } } : {}) };
}

export async function startOktaEmulator(options: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const store = new OktaStore(options.seed, options.statuses);
  const limits = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const oauth = new OAuthServer(options.apps);
  const authRequired = options.token !== undefined || (options.apps?.length ?? 0) > 0;

  const token: OktaRoute = {
    method: 'POST',
    path: TOKEN_PATH,
    handle(c) {
      const answer = oauth.token(new URLSearchParams(c.body), `${c.root}${TOKEN_PATH}`);
      return { status: answer.status, body: answer.body, headers: { 'Cache-Control': 'no-store' } };
    },
  };

  /** Every answer, a refused one too, carries the bucket's X-Rate-Limit-* headers. */
  function answer(req: EmulatorRequest<OktaRoute>): Reply {
    const limit = limits.take(rateLimitBucket(req.path));
    const reply = limit.allowed ? respond(req) : errorReply(rateLimited());
    return { ...reply, headers: { ...limit.headers, ...reply.headers } };
  }

  function respond(req: EmulatorRequest<OktaRoute>): Reply {
    try {
      if (authRequired && req.template !== TOKEN_PATH) authorize(req.headers.authorization, req.method, req.path);
      if (!req.route) throw req.otherMethod ? notAllowed() : notFoundEndpoint();
      return req.route.handle({ store, params: req.params, url: req.url, root: req.url.origin, body: req.body });
    } catch (e) {
      if (e instanceof OktaRequestError) return errorReply(e);
      throw e;
    }
  }

  function authorize(header: string | undefined, method: string, path: string): void {
    if (options.token !== undefined && header === `SSWS ${options.token}`) return;
    const bearer = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    const scopes = bearer ? oauth.scopesOf(bearer) : undefined;
    if (!scopes) throw new OktaRequestError(401, 'E0000011', 'Invalid token provided');
    if (!requiredScopes(method, path).some((s) => scopes.has(s))) {
      throw new OktaRequestError(403, 'E0000006', 'You do not have permission to perform the requested action', [`The access token lacks the scope ${requiredScopes(method, path).at(-1)}`]);
    }
  }

  const server = await startEmulatorServer({
    port: options.port,
    routes: new RouteTable([token, ...OKTA_ROUTES], oktaPathTemplate),
    latencyMs: options.latencyMs,
    contentType: 'application/json',
    renderError: (status, detail) => ({
      contentType: 'application/json',
      body: JSON.stringify(status === 429 ? errorBody('E0000047', 'API call exceeded rate limit due to too many requests.') : errorBody('E0000009', `Internal Server Error: ${detail}`)),
    }),
    answer,
  });

  return {
    url: server.url,
    faults: server.faults,
    counters: server.counters,
    store,
    limits,
    oauth,
    observed: () => store.observed(),
    credentials: (id) => store.credentialCounts(id),
    close: () => server.close(),
  };
}
