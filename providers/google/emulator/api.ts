import type { ErrorRenderer } from '../../../src/emulator/faults.js';
import type { Reply } from '../../../src/emulator/http.js';
import type { Route } from '../../../src/emulator/routes.js';
import type { EmulatorRequest } from '../../../src/emulator/server.js';
import type { TokenIssuer } from './oauth.js';
import type { GoogleStore } from './store.js';
import type { TransferBook } from './transfers.js';
import { errorBody, GoogleApiError, parseFields, parseJsonBody, selectFields, type PageTokens } from './wire.js';

/** What a route handler gets: path parameters, the query, the parsed body, the state. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body(): Record<string, unknown>;
  store: GoogleStore;
  transfers: TransferBook;
  pages: PageTokens;
  /** The customer's immutable id (`my_customer` names it too). */
  customerId: string;
}

/**
 * One endpoint of the emulated API. `path` is the path as Google documents it
 * (`/admin/directory/v1/users/{userKey}`), also the key of counters and fault rules; a
 * handler returns the response body, or null for 204 No Content.
 */
export interface GoogleRoute extends Route {
  /** Any one of these scopes lets a caller in (the method's documented authorization scopes). */
  scopes: readonly string[];
  handle(ctx: RouteContext): unknown;
}

/**
 * How the emulated Workspace answers a request: the OAuth token endpoint; otherwise the
 * route (404 without one), the bearer token and its scopes, the quota, then the handler,
 * its body reduced to the `fields` asked for. Google's errors are answered as its
 * error bodies.
 */
export interface Workspace extends Omit<RouteContext, 'params' | 'query' | 'body'> {
  issuer: TokenIssuer;
  quota: Quota;
  errors: GoogleErrorRules;
}

export const TOKEN_PATH = '/token';
export const JSON_TYPE = 'application/json; charset=UTF-8';

export function answer(ws: Workspace, req: EmulatorRequest<GoogleRoute>): Reply {
  if (req.path === TOKEN_PATH) {
    if (req.method !== 'POST') throw new GoogleApiError(405, 'httpMethodNotAllowed', 'Method Not Allowed');
    return ws.issuer.exchange(req.body);
  }
  const route = req.route;
  if (!route) throw new GoogleApiError(404, 'notFound', `The requested URL ${req.url.pathname} was not found on this server.`);
  const grant = ws.issuer.authenticate(req.headers.authorization);
  if (!route.scopes.some((s) => grant.scopes.has(s))) throw new GoogleApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
  ws.errors.take(req.method, route.path);
  ws.quota.take();
  const fields = req.url.searchParams.get('fields');
  const selection = fields ? parseFields(fields) : undefined;
  const result = route.handle({ ...ws, params: req.params, query: req.url.searchParams, body: () => parseJsonBody(req.body) });
  if (result === null) return { status: 204 };
  return { status: 200, body: selection ? selectFields(result, selection) : result };
}

export function errorReply(e: unknown): Reply | undefined {
  if (!(e instanceof GoogleApiError)) return undefined;
  const headers = e.status === 401 ? { headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } } : {};
  return { status: e.status, body: errorBody(e.status, e.reason, e.message, e.domain), ...headers };
}

export const renderError: ErrorRenderer = (status, detail) => ({
  contentType: JSON_TYPE,
  body: JSON.stringify(status === 429 ? errorBody(429, 'rateLimitExceeded', detail, 'usageLimits') : errorBody(status, 'backendError', detail)),
});

/** The per-user query quota: past `requests` API requests in a window, 403 userRateLimitExceeded. */
export class Quota {
  private window = { start: Date.now(), used: 0 };

  constructor(private readonly limit: { requests: number; windowMs: number } | undefined) {}

  take(now = Date.now()): void {
    if (!this.limit) return;
    if (now - this.window.start >= this.limit.windowMs) this.window = { start: now, used: 0 };
    this.window.used += 1;
    if (this.window.used > this.limit.requests) {
      throw new GoogleApiError(
        403,
        'userRateLimitExceeded',
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.",
        'usageLimits',
      );
    }
  }
}

/**
 * One Google error answered instead of requests to an endpoint: the status with its
 * `error.errors[].reason` and message, as the Directory API words them
 * (https://developers.google.com/workspace/admin/directory/v1/limits,
 * https://developers.google.com/workspace/admin/directory/v1/guides/troubleshoot-error-codes).
 */
export interface GoogleErrorRule {
  method?: string;
  /** The route's documented path, e.g. `/admin/directory/v1/users/{userKey}`; omitted matches every API route. */
  path?: string;
  status: number;
  reason: string;
  message: string;
  /** How many matching requests it answers (default 1). */
  times?: number;
}

/** The error rules switched on; each answers its matching requests after their credentials are checked. */
export class GoogleErrorRules {
  private rules: (GoogleErrorRule & { left: number })[] = [];

  add(rule: GoogleErrorRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Throws the error of the first live rule matching the request. */
  take(method: string, path: string): void {
    const rule = this.rules.find((r) => r.left > 0 && (!r.method || r.method.toUpperCase() === method.toUpperCase()) && (!r.path || r.path === path));
    if (!rule) return;
    rule.left -= 1;
    throw new GoogleApiError(rule.status, rule.reason, rule.message, rule.status === 403 || rule.status === 429 ? 'usageLimits' : 'global');
  }
}
