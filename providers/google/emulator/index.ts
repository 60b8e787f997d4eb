import type { Reply } from '../../../src/emulator/http.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer, type EmulatorRequest } from '../../../src/emulator/server.js';
import type { FaultController } from '../../../src/emulator/faults.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import { PROVIDER_SCOPES } from '../scopes.js';
import type { GoogleRoute } from './api.js';
import { DIRECTORY_ROUTES } from './directory-routes.js';
import { generateServiceAccount, TokenIssuer, type DelegatedServiceAccount } from './oauth.js';
import { GoogleStore } from './store.js';
import { TRANSFER_ROUTES } from './transfer-routes.js';
import { TransferBook } from './transfers.js';
import { errorBody, GoogleApiError, PageTokens, parseFields, parseJsonBody, selectFields } from './wire.js';

/**
 * Google Workspace for the subset Lockstep uses: the Directory API v1 (users, their
 * security credentials, groups and members), the Data Transfer API v1 and the OAuth
 * token endpoint for service accounts with domain-wide delegation. Tests and the sandbox
 * drive it over real HTTP through Google's own client, with faults, a per-window quota
 * and latency switched on at runtime.
 */
export interface GoogleEmulatorOptions {
  /** Initial users and groups; group names are their email addresses. */
  seed?: ObservedProvider;
  /** 0 (the default) picks a free port. The emulator listens on 127.0.0.1 only. */
  port?: number;
  /**
   * Service accounts delegated domain-wide. Without any, one is generated with every scope
   * the provider needs, and `serviceAccountKey()` returns its key file.
   */
  serviceAccounts?: DelegatedServiceAccount[];
  /** The super admin delegation may impersonate (default `admin@<domain>`). */
  admin?: string;
  /** The customer's immutable id (default `C01abc234`); `my_customer` always names it. */
  customerId?: string;
  /** Primary domain (default: the domain of the first seeded login). */
  domain?: string;
  /** Transfers already completed, e.g. for suspended leavers whose data was handed over. */
  transfers?: { from: string; to: string }[];
  /** transfers.get calls until a transfer completes (default 2). */
  transferPolls?: number;
  /** Transfers end `failed`. */
  failTransfers?: boolean;
  /** Answer 403 userRateLimitExceeded past `requests` API requests in each `windowMs`. */
  quota?: { requests: number; windowMs: number };
  /** Added to every request, for benchmarks. */
  latencyMs?: number;
}

export interface GoogleEmulator {
  /** The API root to give the client as `rootUrl`. */
  readonly url: string;
  /** The OAuth token endpoint, as `token_uri` in a service account key. */
  readonly tokenUrl: string;
  readonly admin: string;
  readonly customerId: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: GoogleStore;
  /** The generated service account's key file (JSON), or null when accounts were given. */
  serviceAccountKey(): string | null;
  /** The state in Lockstep's observed form. */
  observed(): ObservedProvider;
  /** Sessions, OAuth tokens plus app passwords, and enrolled factors of one user. */
  credentials(id: string): { sessions: number; tokens: number; factors: number };
  /** Completed data transfers as user ids. */
  transfers(): { from: string; to: string }[];
  /** Access tokens issued and still valid. */
  accessTokens(): string[];
  /** Ends every access token issued so far (the next request needs a new one). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const ROUTES = new RouteTable<GoogleRoute>([...DIRECTORY_ROUTES, ...TRANSFER_ROUTES]);
const TOKEN_PATH = '/token';
const JSON_TYPE = 'application/json; charset=UTF-8';

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const store = new GoogleStore(options.seed, options.domain);
  const book = new TransferBook({ ...(options.transferPolls !== undefined ? { pollsToComplete: options.transferPolls } : {}), fail: options.failTransfers === true }, (id) => store.users.has(id));
  for (const t of options.transfers ?? []) book.seedCompleted(t.from, t.to);
  const pages = new PageTokens();
  const customerId = options.customerId ?? 'C01abc234';
  const admin = options.admin ?? `admin@${store.domain}`;
  const window = { start: Date.now(), used: 0 };
  // Made once the server listens: a generated service account's key names the token URL.
  let issuer: TokenIssuer | undefined;

  function answer(req: EmulatorRequest<GoogleRoute>): Reply {
    if (req.path === TOKEN_PATH) {
      if (req.method !== 'POST') throw new GoogleApiError(405, 'httpMethodNotAllowed', 'Method Not Allowed');
      return issuer!.exchange(req.body);
    }
    const route = req.route;
    if (!route) throw new GoogleApiError(404, 'notFound', `The requested URL ${req.url.pathname} was not found on this server.`);
    const grant = issuer!.authenticate(req.headers.authorization);
    if (!route.scopes.some((s) => grant.scopes.has(s))) throw new GoogleApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
    checkQuota();
    const fields = req.url.searchParams.get('fields');
    const selection = fields ? parseFields(fields) : undefined;
    const result = route.handle({ params: req.params, query: req.url.searchParams, body: () => parseJsonBody(req.body), store, transfers: book, pages, customerId });
    if (result === null) return { status: 204 };
    return { status: 200, body: selection ? selectFields(result, selection) : result };
  }

  function checkQuota(): void {
    if (!options.quota) return;
    const now = Date.now();
    if (now - window.start >= options.quota.windowMs) Object.assign(window, { start: now, used: 0 });
    window.used += 1;
    if (window.used > options.quota.requests) {
      throw new GoogleApiError(
        403,
        'userRateLimitExceeded',
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.",
        'usageLimits',
      );
    }
  }

  const server = await startEmulatorServer({
    port: options.port,
    routes: ROUTES,
    latencyMs: options.latencyMs,
    contentType: JSON_TYPE,
    renderError: (status, detail) => ({
      contentType: JSON_TYPE,
      body: JSON.stringify(status === 429 ? errorBody(429, 'rateLimitExceeded', detail, 'usageLimits') : errorBody(status, 'backendError', detail)),
    }),
    answer,
    errorReply: (e) =>
      e instanceof GoogleApiError
        ? { status: e.status, body: errorBody(e.status, e.reason, e.message, e.domain), ...(e.status === 401 ? { headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } } : {}) }
        : undefined,
  });
  const tokenUrl = `${server.url}${TOKEN_PATH}`;
  let generatedKey: Record<string, string> | null = null;
  let accounts = options.serviceAccounts ?? [];
  if (!accounts.length) {
    const generated = generateServiceAccount('lockstep@lockstep-emulator.iam.gserviceaccount.com', tokenUrl);
    generatedKey = generated.keyFile;
    accounts = [{ clientEmail: generated.keyFile['client_email']!, publicKey: generated.publicKey, scopes: PROVIDER_SCOPES }];
  }
  issuer = new TokenIssuer(accounts, (subject) => subject.toLowerCase() === admin.toLowerCase());
  const tokens = issuer;

  return {
    url: server.url,
    tokenUrl,
    admin,
    customerId,
    faults: server.faults,
    counters: server.counters,
    store,
    serviceAccountKey: () => (generatedKey ? JSON.stringify(generatedKey, null, 2) : null),
    observed: () => store.observed(),
    credentials: (id) => store.credentials(id),
    transfers: () => book.completed(),
    accessTokens: () => tokens.issued(),
    revokeAccessTokens: () => tokens.revokeAll(),
    close: () => server.close(),
  };
}
