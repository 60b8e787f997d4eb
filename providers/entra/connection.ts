import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext, rootCertificates } from 'node:tls';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { AuthenticationHandler, Client, TelemetryHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { UserError } from '../../src/errors.js';
import type { ProviderContext } from '../../src/provider/provider.js';
import type { EntraConnection } from '../../src/types/index.js';
import type { Probe } from './errors.js';
import { HttpsTransport, tappedHttpClient } from './transport.js';
import type { HttpTap } from '../../src/provider/http-tap.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Microsoft's own sign-in hosts (public and national clouds): instance discovery applies to them only. */
const MICROSOFT_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

export interface EntraSetup {
  client: Client;
  credential: TokenCredential;
  timeoutMs: number;
  /** Secret values to keep out of every message. */
  secrets: string[];
  close(): void;
}

/** An https URL's origin; plain http is refused for every host (Graph sends no token over it). */
export function checkedUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${name}: not a URL: ${value}`);
  }
  if (url.protocol === 'http:') {
    throw new UserError(
      `${name}: plain http:// is refused (${url.host}): Microsoft Graph and the sign-in service are reached over https only; trust a private CA with caFile`,
    );
  }
  if (url.protocol !== 'https:') throw new UserError(`${name}: must be an https:// URL`);
  if (url.username || url.password) throw new UserError(`${name}: must not carry credentials`);
  return url;
}

/** The extra trusted CAs of `caFile` (resolved against the policy folder), added to the public ones. */
export function trustedCas(caFile: string | undefined, policyDir: string): string[] | undefined {
  if (!caFile) return undefined;
  const path = isAbsolute(caFile) ? caFile : resolve(policyDir, caFile);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`caFile: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UserError(`caFile: ${path} holds no PEM certificate`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new UserError(`caFile: ${path} holds a private key; it must hold CA certificates only`);
  return [...rootCertificates, pem];
}

function resolveSecret(ctx: ProviderContext, field: string, ref: string): string {
  try {
    return ctx.secrets.resolve(ref);
  } catch (e) {
    throw new UserError(`${field}: ${(e as Error).message}`);
  }
}

/**
 * The app-only credential (@azure/identity) and the Graph client
 * (@microsoft/microsoft-graph-client) of one connection. The client sends requests
 * through its authentication handler (a token for Graph's scope, attached only for
 * Graph hosts and the configured host) and telemetry handler, then our HTTPS transport;
 * no retry handler: the engine retries transient failures with backoff.
 */
export function connect(
  c: EntraConnection,
  ctx: ProviderContext,
  watch: (credential: TokenCredential, secrets: string[], probe: () => Promise<Probe>) => TokenCredential = (x) => x,
): EntraSetup {
  const graphUrl = checkedUrl('graphUrl', c.graphUrl ?? DEFAULT_GRAPH_URL);
  const authority = checkedUrl('authorityHost', c.authorityHost ?? DEFAULT_AUTHORITY);
  if (!c.clientSecret === !c.certificate) throw new UserError('entra: give exactly one of clientSecret or certificate');
  const ca = trustedCas(c.caFile, ctx.policyDir);
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const identityOptions = {
    authorityHost: authority.origin,
    disableInstanceDiscovery: !MICROSOFT_AUTHORITIES.has(authority.hostname),
    retryOptions: { maxRetries: 0 },
    ...(ctx.tap ? { httpClient: tappedHttpClient(ctx.tap) } : {}),
    ...(ca ? { tlsOptions: { ca } } : {}),
  };
  // The client id may be a reference too, so that one Config signs in as a read-only app
  // registration where a pull request is planned and as the one that applies elsewhere.
  const clientId = resolveSecret(ctx, 'clientId', c.clientId);
  let credential: TokenCredential;
  let secrets: string[];
  if (c.clientSecret) {
    const secret = resolveSecret(ctx, 'clientSecret', c.clientSecret);
    credential = new ClientSecretCredential(c.tenantId, clientId, secret, identityOptions);
    secrets = [secret];
  } else {
    const pem = resolveSecret(ctx, 'certificate', c.certificate!);
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) || !pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UserError('certificate: must be a PEM file holding the certificate and its private key');
    }
    credential = new ClientCertificateCredential(c.tenantId, clientId, { certificate: pem }, identityOptions);
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.exec(pem)?.[0];
    secrets = [pem, ...(key ? [key] : [])];
  }
  // One secure context for every connection: given as `ca`, the agent would stringify
  // every CA into each request's pool key and build a context per socket.
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ...(ca ? { secureContext: createSecureContext({ ca }) } : {}) });
  const authProvider = new TokenCredentialAuthenticationProvider(
    watch(credential, secrets, () => probe(`${authority.origin}/${encodeURIComponent(c.tenantId)}/v2.0/.well-known/openid-configuration`, agent, timeoutMs, ctx.tap)),
    { scopes: [GRAPH_SCOPE] },
  );
  const client = Client.initWithMiddleware({
    baseUrl: graphUrl.origin,
    defaultVersion: 'v1.0',
    ...(graphUrl.hostname !== 'graph.microsoft.com' ? { customHosts: new Set([graphUrl.hostname]) } : {}),
    middleware: [new AuthenticationHandler(authProvider), new TelemetryHandler(), new HttpsTransport(agent, timeoutMs, ctx.tap)],
  });
  return { client, credential, timeoutMs, secrets, close: () => agent.destroy() };
}

/** Reads the sign-in service's OpenID configuration directly, to say why @azure/identity could not. */
async function probe(url: string, agent: Agent, timeoutMs: number, tap: HttpTap | undefined): Promise<Probe> {
  let status: number;
  try {
    const direct = () => probeStatus(url, agent, timeoutMs).then((s) => ({ status: s, headers: {}, body: '' }));
    status = (tap ? await tap.exchange({ method: 'GET', url, headers: {}, body: undefined }, direct) : await direct()).status;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'ERROR';
    if (/CERT|SIGNATURE|ERR_TLS/.test(code))
      return { transient: false, reason: `the certificate of ${new URL(url).host} is not trusted (${code}); add its CA to caFile` };
    return { transient: true, reason: `cannot connect to ${new URL(url).host} (${code})` };
  }
  if (status < 300) return { transient: true, reason: 'the sign-in service answers now; try again' };
  return {
    transient: status === 429 || status >= 500,
    reason: `${url} answered HTTP ${status}${status === 400 || status === 404 ? ' (check tenantId and authorityHost)' : ''}`,
  };
}

/** The status the URL answers with; a connection failure is thrown with its socket error code. */
function probeStatus(url: string, agent: Agent, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}
