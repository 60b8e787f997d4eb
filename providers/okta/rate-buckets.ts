/**
 * Okta's rate-limit buckets for the endpoints Lockstep calls, as Okta publishes them
 * (https://developer.okta.com/docs/reference/rl-global-mgmt/): each bucket counts its own requests
 * per minute and answers with its own X-Rate-Limit-* headers. Both sides read this
 * table: the emulator counts and limits by it, and the provider's pacer keeps one
 * budget per bucket, so a bucket emptied by member listings does not hold back a
 * suspension, and two endpoints that share a budget are never paced as if each had it.
 *
 * - `GET|POST /api/v1/users` (list and create users) is one bucket;
 * - `GET /api/v1/users/{idOrLogin}` (read one user) is another, with a higher limit;
 * - `POST|PUT|DELETE /api/v1/users/{id}` (update or delete one user) a third;
 * - `/api/v1/groups/{id}` exactly (one group) is one bucket, and everything else
 *   under `/api/v1/groups` (listing groups, their members, membership changes) shares
 *   the groups bucket;
 * - every other `/api/v1` call (lifecycle operations, sessions, factors, tokens, a
 *   user's groups) falls in the "most other API actions" bucket;
 * - each OAuth endpoint (`/oauth2/v1/token`) is its own bucket.
 */
export type OktaRateBucket = string;

export const USERS = '/api/v1/users';
export const USER_READ = 'GET /api/v1/users/{idOrLogin}';
export const USER_WRITE = '/api/v1/users/{id}';
export const GROUPS = '/api/v1/groups';
export const GROUP = '/api/v1/groups/{id}';
export const OTHER = '/api/v1';

/** Requests per minute of each bucket for a Workforce Identity org, Okta's published defaults. */
export const PUBLISHED_LIMITS: Readonly<Record<OktaRateBucket, number>> = {
  [USERS]: 600,
  [USER_READ]: 2000,
  [USER_WRITE]: 600,
  [GROUPS]: 500,
  [GROUP]: 1000,
  [OTHER]: 1200,
  '/oauth2/v1/token': 600,
};

/** The bucket a request counts against. */
export function oktaRateBucket(method: string, pathname: string): OktaRateBucket {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'oauth2') return `/${parts.join('/')}`;
  if (parts[0] !== 'api' || parts[1] !== 'v1') return `/${parts.join('/')}`;
  const [, , collection, id] = parts;
  if (collection === 'users') {
    if (parts.length === 3) return USERS;
    if (parts.length === 4 && id !== 'me') return method.toUpperCase() === 'GET' ? USER_READ : USER_WRITE;
  }
  if (collection === 'groups') return parts.length === 4 ? GROUP : GROUPS;
  return OTHER;
}
