import type { ExchangeLog } from '../../../src/emulator/exchanges.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { FaultController } from '../../../src/emulator/faults.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer } from '../../../src/emulator/server.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import type { OktaUserStatus } from '../mapping.js';
import { answer, JSON_TYPE, renderError, type OktaOrg } from './api.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitSettings } from './limits.js';
import { OAuthServer, type OAuthServiceApp } from './oauth.js';
import { Cursors } from './paging.js';
import { OKTA_ROUTES, oktaPathTemplate, type OktaRoute } from './routes.js';
import { OktaStore } from './store.js';

/**
 * An Okta org for the subset of the Management API Lockstep uses: users (list with
 * filter, get, lifecycle, delete, sessions, grants, clients and their tokens, factors),
 * groups and memberships, SSWS API tokens and OAuth 2.0 service apps, Link pagination
 * with per-listing page sizes and expiring cursors, per-bucket rate limits with X-Rate-Limit-* headers, and Okta error bodies. Tests and
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
  /** Requests per window in each rate-limit bucket (default: Okta's published per-minute limits). */
  rateLimit?: RateLimitSettings;
  /** How long an `after` cursor of a Link header stays valid (default one hour). */
  cursorTtlMs?: number;
  /** Added to every request, to emulate network and service time (benchmarks). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
  /** Keeps every request and answer, for checks against the vendor's API definition (tests). */
  exchanges?: ExchangeLog;
}

export interface OktaEmulator {
  /** The org URL to give the SDK as orgUrl. */
  readonly url: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: OktaStore;
  readonly limits: RateLimiter;
  readonly oauth: OAuthServer;
  /** The `after` cursors handed out; `expireAll()` makes every one stale, as a long pause between pages would. */
  readonly cursors: Cursors;
  /** The state in Lockstep's observed form. */
  observed(): ObservedProvider;
  /** Live sessions, OAuth tokens (refresh tokens and grants) and factors of a user. */
  credentials(userId: string): { sessions: number; tokens: number; factors: number };
  close(): Promise<void>;
}

const ROUTES = new RouteTable<OktaRoute>(OKTA_ROUTES, oktaPathTemplate);

export async function startOktaEmulator(options: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const store = new OktaStore(options.seed, options.statuses);
  const limits = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const oauth = new OAuthServer(options.apps);
  const cursors = new Cursors(options.cursorTtlMs);
  const org: OktaOrg = { store, limits, oauth, cursors, token: options.token, open: options.token === undefined && !options.apps?.length };
  const server = await startEmulatorServer({
    port: options.port,
    exchanges: options.exchanges,
    routes: ROUTES,
    latencyMs: options.latencyMs,
    contentType: JSON_TYPE,
    renderError,
    answer: (req) => answer(org, req),
  });
  return {
    url: server.url,
    faults: server.faults,
    counters: server.counters,
    store,
    limits,
    oauth,
    cursors,
    observed: () => store.observed(),
    credentials: (id) => store.credentialCounts(id),
    close: () => server.close(),
  };
}
