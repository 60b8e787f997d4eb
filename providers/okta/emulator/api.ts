import { randomBytes } from 'node:crypto';
import type { ErrorRenderer } from '../../../src/emulator/faults.js';
import type { Reply } from '../../../src/emulator/http.js';
import { bearerToken } from '../../../src/emulator/oauth.js';
import type { EmulatorRequest } from '../../../src/emulator/server.js';
import { oktaRateBucket } from '../rate-buckets.js';
import type { RateLimiter } from './limits.js';
import { requiredScopes, type OAuthServer } from './oauth.js';
import type { Cursors } from './paging.js';
import { notAllowed, notFoundEndpoint, TOKEN_PATH, type OktaRoute } from './routes.js';
import { OktaRequestError, type OktaStore } from './store.js';

/**
 * How the org answers a request: the rate-limit bucket first (every answer, a refused
 * one too, carries its X-Rate-Limit-* headers), then the credentials (an SSWS token, or
 * an OAuth access token with a scope the endpoint needs; the token endpoint needs none),
 * then the route. Okta's errors are answered as Okta error bodies.
 */
export interface OktaOrg {
  store: OktaStore;
  limits: RateLimiter;
  oauth: OAuthServer;
  cursors: Cursors;
  /** The SSWS API token accepted. */
  token: string | undefined;
  /** Neither an SSWS token nor OAuth apps: every request is let in. */
  open: boolean;
}

export const JSON_TYPE = 'application/json';

function errorBody(errorCode: string, summary: string, causes: string[] = []): unknown {
  return {
    errorCode,
    errorSummary: summary,
    errorLink: errorCode,
    errorId: `oae${randomBytes(11).toString('base64url')}`,
    errorCauses: causes.map((c) => ({ errorSummary: c })),
  };
}

const RATE_LIMITED = { code: 'E0000047', summary: 'API call exceeded rate limit due to too many requests.' };

export const renderError: ErrorRenderer = (status, detail) => ({
  contentType: JSON_TYPE,
  body: JSON.stringify(status === 429 ? errorBody(RATE_LIMITED.code, RATE_LIMITED.summary) : errorBody('E0000009', `Internal Server Error: ${detail}`)),
});

function errorReply(e: OktaRequestError): Reply {
  return { status: e.status, body: errorBody(e.errorCode, e.message, e.causes), ...(e.status === 401 ? { headers: { 'WWW-Authenticate': 'SSWS realm="okta"' } } : {}) };
}

export function answer(org: OktaOrg, req: EmulatorRequest<OktaRoute>): Reply {
  const limit = org.limits.take(oktaRateBucket(req.method, req.path));
  const reply = limit.allowed ? respond(org, req) : errorReply(new OktaRequestError(429, RATE_LIMITED.code, RATE_LIMITED.summary));
  return { ...reply, headers: { ...limit.headers, ...reply.headers } };
}

function respond(org: OktaOrg, req: EmulatorRequest<OktaRoute>): Reply {
  try {
    if (!org.open && req.template !== TOKEN_PATH) authorize(org, req.headers.authorization, req.method, req.path);
    if (!req.route) throw req.otherMethod ? notAllowed() : notFoundEndpoint();
    return req.route.handle({ store: org.store, oauth: org.oauth, cursors: org.cursors, params: req.params, url: req.url, root: req.url.origin, body: req.body });
  } catch (e) {
    if (e instanceof OktaRequestError) return errorReply(e);
    throw e;
  }
}

function authorize(org: OktaOrg, header: string | undefined, method: string, path: string): void {
  if (org.token !== undefined && header === `SSWS ${org.token}`) return;
  const bearer = bearerToken(header);
  const scopes = bearer ? org.oauth.scopesOf(bearer) : undefined;
  if (!scopes) throw new OktaRequestError(401, 'E0000011', 'Invalid token provided');
  const needed = requiredScopes(method, path);
  if (!needed.some((s) => scopes.has(s))) {
    throw new OktaRequestError(403, 'E0000006', 'You do not have permission to perform the requested action', [`The access token lacks the scope ${needed.at(-1)}`]);
  }
}
