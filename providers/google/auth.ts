import { auth } from '@googleapis/admin';
import { UserError } from '../../src/errors.js';
import { type HttpTap, tappedFetch } from '../../src/provider/http-tap.js';

/**
 * Service-account authentication with domain-wide delegation, through google-auth-library's
 * JWT client: it signs an RS256 assertion (iss = the service account, sub = the admin
 * impersonated, aud = Google's token endpoint, the scopes asked for) and exchanges it for
 * an access token with the JWT-bearer grant.
 */

export type JwtClient = InstanceType<typeof auth.JWT>;

/** Where google-auth-library (gtoken) always sends the assertion, and its audience. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
  /** The service account's OAuth client id: what an administrator authorises for domain-wide delegation. */
  clientId: string | undefined;
  /** The key file's token_uri when it names an endpoint other than Google's. */
  tokenUri: string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * A URL Lockstep may send credentials to: https anywhere, plain http only to a loopback
 * host (a local emulator). Anything else is a configuration error.
 */
export function checkedUrl(setting: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${setting}: not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new UserError(`${setting}: plain http:// is accepted only for a loopback host (127.0.0.1, ::1, localhost); use https:// for ${url.hostname}`);
  }
  throw new UserError(`${setting}: only https:// URLs are accepted`);
}

/** The fields of a service account key file; the key itself never enters a message. */
export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UserError('credentials: not a service account key (the value is not JSON)');
  }
  const k = (parsed ?? {}) as Record<string, unknown>;
  const missing = ['client_email', 'private_key'].filter((f) => typeof k[f] !== 'string' || k[f] === '');
  if (missing.length) throw new UserError(`credentials: the service account key has no ${missing.join(' or ')}`);
  if (k['type'] !== undefined && k['type'] !== 'service_account') throw new UserError(`credentials: a key of type service_account is needed, not ${String(k['type'])}`);
  const tokenUri = typeof k['token_uri'] === 'string' && k['token_uri'] !== GOOGLE_TOKEN_URL ? checkedUrl('credentials token_uri', k['token_uri']).href : undefined;
  return {
    clientEmail: k['client_email'] as string,
    privateKey: k['private_key'] as string,
    privateKeyId: typeof k['private_key_id'] === 'string' ? k['private_key_id'] : undefined,
    clientId: typeof k['client_id'] === 'string' && /^\d+$/.test(k['client_id']) ? k['client_id'] : undefined,
    tokenUri,
  };
}

/**
 * The JWT client for one connection. Its transporter carries every request (token and
 * API): gaxios' own retries are switched off there, so failures surface once to
 * Lockstep's retry policy, and no request leaves for a URL that fails `checkedUrl`.
 * The library always posts the assertion to Google's endpoint; a key file naming
 * another token_uri (the emulator's) has the request sent there instead, through the
 * transporter's request interceptor (google-auth-library reads no token_uri itself).
 * With a tap, every request goes through it (gaxios' `fetchImplementation`).
 */
export function createJwtClient(key: ServiceAccountKey, subject: string, scopes: readonly string[], timeoutMs: number, tap?: HttpTap): JwtClient {
  const jwt = new auth.JWT({
    email: key.clientEmail,
    key: key.privateKey,
    ...(key.privateKeyId ? { keyId: key.privateKeyId } : {}),
    scopes: [...scopes],
    subject,
    transporterOptions: { timeout: timeoutMs },
  });
  const tapped = tap ? tappedFetch(tap) : undefined;
  jwt.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (tapped) config.fetchImplementation = tapped;
      const target = String(config.url);
      if (key.tokenUri && target === GOOGLE_TOKEN_URL) config.url = new URL(key.tokenUri);
      else checkedUrl('request', target);
      config.retry = false;
      config.retryConfig = { ...config.retryConfig, retry: 0, noResponseRetries: 0 };
      return config;
    },
  });
  return jwt;
}
