import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults, type ErrorRenderer } from '../../src/emulator/faults.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { DIRECTORY_ROUTES } from './emulator-directory.js';
import { generateServiceAccount, TokenIssuer, type DelegatedServiceAccount } from './emulator-oauth.js';
import { templateOf, type Route } from './emulator-routes.js';
import { GoogleStore } from './emulator-store.js';
import { TRANSFER_ROUTES, TransferBook } from './emulator-transfer.js';
import { readBody } from '../../src/emulator/http.js';
import { errorBody, GoogleApiError, PageTokens, parseFields, parseJsonBody, selectFields, sendEmpty, sendJson } from './emulator-wire.js';
import { PROVIDER_SCOPES } from './scopes.js';

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

const ROUTES: readonly Route[] = [...DIRECTORY_ROUTES, ...TRANSFER_ROUTES];
const TOKEN_PATH = '/token';

const renderFault: ErrorRenderer = (status, detail) => ({
  contentType: 'application/json; charset=UTF-8',
  body: JSON.stringify(status === 429 ? errorBody(429, 'rateLimitExceeded', detail, 'usageLimits') : errorBody(status, 'backendError', detail)),
});

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const store = new GoogleStore(options.seed, options.domain);
  const book = new TransferBook({ ...(options.transferPolls !== undefined ? { pollsToComplete: options.transferPolls } : {}), fail: options.failTransfers === true }, (id) => store.users.has(id));
  for (const t of options.transfers ?? []) book.seedCompleted(t.from, t.to);
  const faults = new FaultController();
  const counters = new RequestCounters();
  const pages = new PageTokens();
  const customerId = options.customerId ?? 'C01abc234';
  const admin = options.admin ?? `admin@${store.domain}`;
  let generatedKey: Record<string, string> | null = null;
  let accounts = options.serviceAccounts ?? [];
  let root = '';
  const window = { start: Date.now(), used: 0 };

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(500, 'backendError', e instanceof Error ? e.message : 'Internal error'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (!options.serviceAccounts?.length) {
    const generated = generateServiceAccount(`lockstep@lockstep-emulator.iam.gserviceaccount.com`, `${root}${TOKEN_PATH}`);
    generatedKey = generated.keyFile;
    accounts = [{ clientEmail: generated.keyFile['client_email']!, publicKey: generated.publicKey, scopes: PROVIDER_SCOPES }];
  }
  const issuer = new TokenIssuer(accounts, (subject) => subject.toLowerCase() === admin.toLowerCase());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const { template, params } = url.pathname === TOKEN_PATH ? { template: TOKEN_PATH, params: {} } : templateOf(ROUTES, url.pathname);
    if (options.latencyMs) await sleep(options.latencyMs);
    if (await interceptFaults(req, res, { method, template, path: url.pathname }, { faults, counters }, renderFault)) return;
    const body = await readBody(req);
    try {
      if (template === TOKEN_PATH) {
        if (method !== 'POST') throw new GoogleApiError(405, 'httpMethodNotAllowed', 'Method Not Allowed');
        const answer = issuer.exchange(body);
        return sendJson(res, answer.status, answer.body);
      }
      const route = ROUTES.find((r) => r.template === template && r.method === method);
      if (!route) throw new GoogleApiError(404, 'notFound', `The requested URL ${url.pathname} was not found on this server.`);
      const grant = issuer.authenticate(req.headers.authorization);
      if (!route.scopes.some((s) => grant.scopes.has(s))) throw new GoogleApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
      checkQuota();
      const fields = url.searchParams.get('fields');
      const selection = fields ? parseFields(fields) : undefined;
      const result = route.handle({ params, query: url.searchParams, body: () => parseJsonBody(body), store, transfers: book, pages, customerId });
      if (result === null) return sendEmpty(res);
      sendJson(res, 200, selection ? selectFields(result, selection) : result);
    } catch (e) {
      if (!(e instanceof GoogleApiError)) throw e;
      if (e.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/"');
      sendJson(res, e.status, errorBody(e.status, e.reason, e.message, e.domain));
    }
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

  return {
    url: root,
    tokenUrl: `${root}${TOKEN_PATH}`,
    admin,
    customerId,
    faults,
    counters,
    store,
    serviceAccountKey: () => (generatedKey ? JSON.stringify(generatedKey, null, 2) : null),
    observed: () => store.observed(),
    credentials: (id) => store.credentials(id),
    transfers: () => book.completed(),
    accessTokens: () => issuer.issued(),
    revokeAccessTokens: () => issuer.revokeAll(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
