import { createRequire } from 'node:module';
import { Client } from '@okta/okta-sdk-nodejs';
import { UserError } from '../../src/errors.js';
import type { ProviderContext } from '../../src/provider/provider.js';
import type { OktaConnection } from '../../src/types/index.js';
import { RatePacer } from './rate-pacer.js';
import { isLoopbackHost, PacedRequestExecutor } from './request-executor.js';

/**
 * Config connection → SDK Client. Only the connection configures the client: the SDK's
 * ConfigLoader would otherwise merge OKTA_CLIENT_* environment variables and the
 * okta.yaml files of the home and working folders under it (a stray token, org URL,
 * key id or scopes), so its defaults are bypassed while the client is built and every
 * setting it reads is given explicitly.
 */
export const DEFAULT_SCOPES = ['okta.users.manage', 'okta.groups.manage'];
/** Asked for by a run that only observes (plan, observe), when Config names no scopes. */
export const OBSERVE_SCOPES = ['okta.users.read', 'okta.groups.read'];
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface OktaClientSetup {
  client: Client;
  executor: PacedRequestExecutor;
  /** Secrets to keep out of messages: the token or private key, and any access token issued. */
  secrets: () => string[];
  timeoutMs: number;
}

interface ConfigLoaderClass {
  prototype: { applyDefaults(this: { apply(config: unknown): void }): void };
}
const { ConfigLoader } = createRequire(import.meta.url)('@okta/okta-sdk-nodejs/src/config-loader.js') as { ConfigLoader: ConfigLoaderClass };

function resolveSecret(ctx: ProviderContext, key: string, ref: string): string {
  try {
    return ctx.secrets.resolve(ref);
  } catch (e) {
    throw new UserError(`${ctx.name}: ${key}: ${(e as Error).message}`);
  }
}

/** https only, except http for a loopback host (a local emulator). */
export function checkedOrgUrl(name: string, orgUrl: string): string {
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch {
    throw new UserError(`${name}: orgUrl ${orgUrl} is not a URL`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UserError(`${name}: orgUrl ${orgUrl} uses http://, which is allowed only for a loopback host (127.0.0.1, ::1, localhost); use https://`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`${name}: orgUrl ${orgUrl} must use https://`);
  return url.origin;
}

interface SdkOAuth {
  accessToken?: { access_token?: string } | null;
  getAccessToken(dpopNonce?: string | null): Promise<unknown>;
}

/**
 * The SDK asks for a new access token whenever a request finds none cached, so
 * requests that start together (observe lists users and groups at once) would each
 * ask. They share one token request instead: the token endpoint has a tight limit.
 */
function shareTokenRequests(oauth: SdkOAuth): void {
  const fetchToken = oauth.getAccessToken.bind(oauth);
  let pending: Promise<unknown> | undefined;
  oauth.getAccessToken = (dpopNonce?: string | null) => {
    if (oauth.accessToken || dpopNonce) return fetchToken(dpopNonce);
    pending ??= fetchToken(dpopNonce).finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** Builds the client with the SDK's environment and file defaults switched off. */
function isolatedClient(config: Record<string, unknown>): Client {
  const original = ConfigLoader.prototype.applyDefaults;
  ConfigLoader.prototype.applyDefaults = function applyNoDefaults() {
    this.apply({ client: { authorizationMode: 'SSWS' } });
  };
  try {
    return new Client(config);
  } finally {
    ConfigLoader.prototype.applyDefaults = original;
  }
}

export function createOktaClient(c: OktaConnection, ctx: ProviderContext): OktaClientSetup {
  const orgUrl = checkedOrgUrl(ctx.name, c.orgUrl);
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const executor = new PacedRequestExecutor(new RatePacer(), timeoutMs, ctx.tap);
  const common = { orgUrl, requestExecutor: executor, cacheMiddleware: null, userAgent: '', keyId: '', token: '', clientId: '', privateKey: '', scopes: '' };
  if (c.token && (c.clientId || c.privateKey)) throw new UserError(`${ctx.name}: give either token, or clientId and privateKey, not both`);
  if (c.token) {
    const token = resolveSecret(ctx, 'token', c.token);
    const client = isolatedClient({ ...common, authorizationMode: 'SSWS', token });
    return { client, executor, secrets: () => [token], timeoutMs };
  }
  if (c.clientId && c.privateKey) {
    const privateKey = resolveSecret(ctx, 'privateKey', c.privateKey);
    const scopes = c.scopes ?? (ctx.access === 'read' ? OBSERVE_SCOPES : DEFAULT_SCOPES);
    // The client id may be a reference, so one Config can name a read-only app where pull requests are planned.
    const clientId = resolveSecret(ctx, 'clientId', c.clientId);
    const client = isolatedClient({ ...common, authorizationMode: 'PrivateKey', clientId, privateKey, keyId: c.keyId ?? '', scopes });
    const oauth = (client as unknown as { oauth?: SdkOAuth }).oauth;
    if (oauth) shareTokenRequests(oauth);
    return { client, executor, secrets: () => [privateKey, oauth?.accessToken?.access_token ?? ''], timeoutMs };
  }
  throw new UserError(`${ctx.name}: an okta connection needs token, or clientId and privateKey`);
}
