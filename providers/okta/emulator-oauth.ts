import { createPublicKey, randomBytes, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Okta's OAuth 2.0 client credentials flow for service apps (private key JWT): POST
 * /oauth2/v1/token with grant_type=client_credentials and a client_assertion signed by
 * the app's private key; the access token it returns is sent as `Authorization: Bearer`.
 * Scopes granted to the app bound both the token request and the API calls.
 */
export interface OAuthServiceApp {
  clientId: string;
  /** The registered public key: PEM (SPKI or PKCS#1) or a public JWK. */
  publicKey: string | JsonWebKey;
  /** Scopes granted to the app (default: okta.users.manage and okta.groups.manage). */
  scopes?: string[];
}

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEFAULT_SCOPES = ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage'];
const TOKEN_LIFETIME_S = 3600;

const fail = (status: number, error: string, description: string): OAuthAnswer => ({ status, body: { error, error_description: description } });

export class OAuthServer {
  private readonly apps = new Map<string, { key: KeyObject; scopes: Set<string> }>();
  private readonly tokens = new Map<string, { scopes: Set<string>; expires: number }>();
  private readonly usedJti = new Set<string>();

  constructor(apps: OAuthServiceApp[] = []) {
    for (const app of apps) {
      const key = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : createPublicKey({ key: app.publicKey, format: 'jwk' });
      this.apps.set(app.clientId, { key, scopes: new Set(app.scopes ?? DEFAULT_SCOPES) });
    }
  }

  /** Answers a token request; `audience` is the token endpoint's absolute URL. */
  token(form: URLSearchParams, audience: string, now = Date.now()): OAuthAnswer {
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) return fail(401, 'invalid_client', 'client_assertion_type is missing or not supported.');
    const claims = this.verifiedClaims(form.get('client_assertion') ?? '', audience, now);
    if ('error' in claims) return claims.error;
    const app = this.apps.get(claims.clientId)!;
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0) return fail(400, 'invalid_scope', 'The authorization server resource does not have any configured default scopes, \'scope\' must be provided.');
    const denied = requested.filter((s) => !app.scopes.has(s));
    if (denied.length) return fail(400, 'invalid_scope', `The following scopes are not allowed: ${denied.join(', ')}`);
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { scopes: new Set(requested), expires: now + TOKEN_LIFETIME_S * 1000 });
    return { status: 200, body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, access_token: accessToken, scope: requested.join(' ') } };
  }

  /** The scopes of a live access token, or undefined for an unknown or expired one. */
  scopesOf(accessToken: string, now = Date.now()): ReadonlySet<string> | undefined {
    const t = this.tokens.get(accessToken);
    return t && t.expires > now ? t.scopes : undefined;
  }

  /** Expires every access token issued so far (clients must fetch a new one). */
  revokeAll(): void {
    this.tokens.clear();
  }

  private verifiedClaims(jwt: string, audience: string, now: number): { clientId: string } | { error: OAuthAnswer } {
    const invalid = (why: string) => ({ error: fail(401, 'invalid_client', `The client_assertion token is invalid: ${why}`) });
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return invalid('not a signed JWT');
    let header: { alg?: string };
    let claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number; iat?: number; jti?: string };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return invalid('malformed');
    }
    const app = claims.iss ? this.apps.get(claims.iss) : undefined;
    if (!app) return invalid('unknown client');
    if (claims.sub !== claims.iss) return invalid('sub must equal iss');
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    let ok = false;
    try {
      if (header.alg === 'RS256') ok = verify('RSA-SHA256', data, app.key, signature);
      else if (header.alg === 'ES256') ok = verify('sha256', data, { key: app.key, dsaEncoding: 'ieee-p1363' }, signature);
      else return invalid(`algorithm ${String(header.alg)} is not allowed`);
    } catch {
      ok = false;
    }
    if (!ok) return invalid('signature verification failed');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(audience)) return invalid('aud does not name this token endpoint');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return invalid('expired');
    if (claims.jti) {
      if (this.usedJti.has(claims.jti)) return invalid('the jti was already used');
      this.usedJti.add(claims.jti);
    }
    return { clientId: claims.iss! };
  }
}

/** The scope an API call needs: a `.read` scope is enough for GET, anything else needs `.manage`. */
export function requiredScopes(method: string, path: string): string[] {
  const resource = path.split('/')[3] === 'groups' ? 'groups' : 'users';
  return method === 'GET' ? [`okta.${resource}.read`, `okta.${resource}.manage`] : [`okta.${resource}.manage`];
}
