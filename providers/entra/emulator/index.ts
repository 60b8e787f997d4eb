import type { ExchangeLog } from '../../../src/emulator/exchanges.js';
import { randomBytes } from 'node:crypto';
import { RequestCounters } from '../../../src/emulator/counters.js';
import { FaultController } from '../../../src/emulator/faults.js';
import { startEmulatorServer } from '../../../src/emulator/server.js';
import { clientCertificate, serverCertificate } from '../../../src/emulator/tls.js';
import type { ObservedProvider } from '../../../src/types/index.js';
import { answer, entraRoutes, JSON_TYPE, renderError, type Tenant } from './api.js';
import { DeltaFeed, type ExpiredDeltaAnswer } from './delta.js';
import { IdentityPlatform } from './identity.js';
import { EntraStore, type User } from './store.js';
import { Tokens } from './wire.js';

/**
 * Microsoft Entra for the subset Lockstep uses, over TLS: the identity platform's token
 * endpoint (client secret or certificate assertion) and Microsoft Graph v1.0 (users,
 * groups, members, delta queries, authentication methods, permission grants, licences,
 * JSON `$batch`). Faults apply to single requests and to each request inside a batch.
 */
export interface EntraEmulatorOptions {
  /** Initial users and groups; every active user gets a session, a permission grant and two MFA methods. */
  seed?: ObservedProvider;
  /** 0 (the default) picks a free port. Listens on 127.0.0.1 only. */
  port?: number;
  /** Keeps every request and answer, for checks against the vendor's API definition (tests). */
  exchanges?: ExchangeLog;
  tenantId?: string;
  clientId?: string;
  /** The app's client secret (default: generated). */
  clientSecret?: string;
  /** Register a generated client certificate as well; `clientCertificatePem` returns it with its key. */
  clientCertificate?: boolean;
  /** Added to every request, for benchmarks. */
  latencyMs?: number;
  /** The tenant has Entra ID P1/P2 (default true); without it, reading signInActivity answers 403. */
  premium?: boolean;
  /** The app holds AuditLog.Read.All (default true); without it, reading signInActivity answers 403 Authorization_RequestDenied. */
  auditLogRead?: boolean;
}

/** Changes made behind the provider's back, for delta tests and benchmarks. */
export interface EntraMutations {
  addUser(u: { id?: string; userPrincipalName: string; accountEnabled?: boolean; employeeId?: string | null }): string;
  setEnabled(id: string, enabled: boolean): void;
  deleteUser(id: string): void;
  addGroup(id: string, displayName: string, members?: string[]): void;
  deleteGroup(id: string): void;
  addMember(groupId: string, userId: string): void;
  removeMember(groupId: string, userId: string): void;
}

export interface EntraEmulator {
  /** Graph's root (give it as `graphUrl`) and the sign-in host (`authorityHost`): one server. */
  readonly url: string;
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The CA certificate (PEM) the server's certificate chains to: write it to a `caFile`. */
  readonly caPem: string;
  readonly faults: FaultController;
  readonly counters: RequestCounters;
  readonly store: EntraStore;
  readonly mutate: EntraMutations;
  /** The registered client certificate with its private key (PEM), or null. */
  clientCertificatePem(): string | null;
  observed(): ObservedProvider;
  /** Sessions, delegated permission grants, and deletable authentication methods of one user. */
  credentials(id: string): { sessions: number; tokens: number; factors: number };
  /** A user as Graph holds it, or as it was when deleted. */
  user(id: string): User | undefined;
  /** Every delta token issued so far answers 410 Gone (or 400, `badRequest`) with `syncStateNotFound` from now on. */
  expireDeltaTokens(answer?: ExpiredDeltaAnswer): void;
  accessTokens(): string[];
  close(): Promise<void>;
}

export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const tls = await serverCertificate();
  const clientCert = options.clientCertificate ? await clientCertificate('lockstep-app') : null;
  const store = new EntraStore(options.seed);
  const tenantId = options.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = options.clientId ?? '9f5c1b7e-3c1a-4c55-8d7a-1e2f3a4b5c6d';
  const clientSecret = options.clientSecret ?? `Lk8Q~${randomBytes(27).toString('base64url')}`;
  const identity = new IdentityPlatform(tenantId, [{ clientId, secrets: [clientSecret], certificates: clientCert ? [clientCert.certPem] : [] }]);
  const delta = new DeltaFeed(store);
  const tenant: Tenant = {
    store,
    identity,
    delta,
    pages: new Tokens(),
    premium: options.premium !== false,
    auditLogRead: options.auditLogRead !== false,
    routes: entraRoutes(identity),
    faults: new FaultController(),
    counters: new RequestCounters(),
  };
  const server = await startEmulatorServer({
    port: options.port,
    exchanges: options.exchanges,
    tls,
    routes: tenant.routes,
    latencyMs: options.latencyMs,
    faults: tenant.faults,
    counters: tenant.counters,
    contentType: JSON_TYPE,
    renderError,
    answer: (req) => answer(tenant, req),
  });

  const mutate: EntraMutations = {
    addUser: (u) => store.addUser({ ...u, userPrincipalName: u.userPrincipalName }).id,
    setEnabled: (id, enabled) => store.updateUser(id, { accountEnabled: enabled }),
    deleteUser: (id) => store.deleteUser(id),
    addGroup: (id, name, members = []) => void store.addGroup(id, name, members),
    deleteGroup: (id) => store.deleteGroup(id),
    addMember: (g, u) => store.addMember(g, u),
    removeMember: (g, u) => store.removeMember(g, u),
  };

  return {
    url: server.url,
    authorityHost: server.url,
    tenantId,
    clientId,
    clientSecret,
    caPem: tls.caPem,
    faults: server.faults,
    counters: server.counters,
    store,
    mutate,
    clientCertificatePem: () => clientCert?.pem ?? null,
    observed: () => store.observed(),
    credentials: (id) => store.credentials(id),
    user: (id) => store.users.get(id) ?? store.deletedUsers.get(id),
    expireDeltaTokens: (answer) => delta.expire(answer),
    accessTokens: () => identity.accessTokens(),
    close: () => server.close(),
  };
}
