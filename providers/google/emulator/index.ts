import type { ExchangeLog } from '../../../src/emulator/exchanges.js';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import type { FaultController } from '../../../src/emulator/faults.js';
import { RouteTable } from '../../../src/emulator/routes.js';
import { startEmulatorServer } from '../../../src/emulator/server.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import { OBSERVE_SCOPES, PROVIDER_SCOPES } from '../scopes.js';
import { answer, errorReply, GoogleErrorRules, JSON_TYPE, Quota, renderError, TOKEN_PATH, type GoogleRoute, type Workspace } from './api.js';
import { DIRECTORY_ROUTES } from './directory-routes.js';
import { generateServiceAccount, TokenIssuer, type DelegatedServiceAccount } from './oauth.js';
import { GoogleStore } from './store.js';
import { TRANSFER_ROUTES } from './transfer-routes.js';
import { TransferBook } from './transfers.js';
import { PageTokens } from './wire.js';

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
  /** Keeps every request and answer, for checks against the vendor's API definition (tests). */
  exchanges?: ExchangeLog;
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
  /**
   * Seeded users that are archived (an Archived User licence): they cannot sign in, are
   * not suspended (`suspended: false`, `archived: true`), and hold no session.
   */
  archived?: readonly string[];
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
  /** Google-shaped errors (a status with its reason) answered instead of chosen API requests. */
  readonly errors: GoogleErrorRules;
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

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const store = new GoogleStore(options.seed, options.domain);
  for (const id of options.archived ?? []) store.archive(id);
  const transfers = new TransferBook(
    { ...(options.transferPolls !== undefined ? { pollsToComplete: options.transferPolls } : {}), fail: options.failTransfers === true },
    (id) => store.users.has(id),
  );
  for (const t of options.transfers ?? []) transfers.seedCompleted(t.from, t.to);
  const admin = options.admin ?? `admin@${store.domain}`;
  const issuer = new TokenIssuer(options.serviceAccounts ?? [], (subject) => subject.toLowerCase() === admin.toLowerCase());
  const ws: Workspace = {
    store,
    transfers,
    pages: new PageTokens(),
    customerId: options.customerId ?? 'C01abc234',
    issuer,
    quota: new Quota(options.quota),
    errors: new GoogleErrorRules(),
  };
  const server = await startEmulatorServer({
    port: options.port,
    exchanges: options.exchanges,
    routes: ROUTES,
    latencyMs: options.latencyMs,
    contentType: JSON_TYPE,
    renderError,
    answer: (req) => answer(ws, req),
    errorReply,
  });
  const tokenUrl = `${server.url}${TOKEN_PATH}`;
  // Without accounts given, one is made now: its key file names the token URL.
  const generated = options.serviceAccounts?.length ? null : generateServiceAccount('lockstep@lockstep-emulator.iam.gserviceaccount.com', tokenUrl);
  // Authorised for what the provider asks to apply and to observe only, as one delegation can be.
  if (generated) issuer.trust({ clientEmail: generated.keyFile['client_email']!, publicKey: generated.publicKey, scopes: [...PROVIDER_SCOPES, ...OBSERVE_SCOPES] });

  return {
    url: server.url,
    tokenUrl,
    admin,
    customerId: ws.customerId,
    faults: server.faults,
    errors: ws.errors,
    counters: server.counters,
    store,
    serviceAccountKey: () => (generated ? JSON.stringify(generated.keyFile, null, 2) : null),
    observed: () => store.observed(),
    credentials: (id) => store.credentials(id),
    transfers: () => transfers.completed(),
    accessTokens: () => issuer.issued(),
    revokeAccessTokens: () => issuer.revokeAll(),
    close: () => server.close(),
  };
}
