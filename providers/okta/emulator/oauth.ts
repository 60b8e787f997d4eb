import { createPublicKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { AccessTokens, readJwt, signedBy } from '../../../src/emulator/oauth.js';

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
  private readonly tokens = new AccessTokens<ReadonlySet<string>>(() => randomBytes(32).toString('base64url'));
  private readonly usedJti = new Set<unknown>();

  constructor(apps: OAuthServiceApp[] = []) {
    for (const app of apps) {
      const key = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : createPublicKey({ key: app.publicKey, format: 'jwk' });
      this.apps.set(app.clientId, { key, scopes: new Set(app.scopes ?? DEFAULT_SCOPES) });
    }
  }

  /** Answers a token request; `audience` is the token endpoint's absolute URL. */
  token(form: URLSearchParams, audience: string, now = Date.now()): OAuthAnswer {
    if (form.get('grant_type') !== 'client_credentials')
      return fail(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) return fail(401, 'invalid_client', 'client_assertion_type is missing or not supported.');
    const claims = this.verifiedClaims(form.get('client_assertion') ?? '', audience, now);
    if ('error' in claims) return claims.error;
    const app = this.apps.get(claims.clientId)!;
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0)
      return fail(400, 'invalid_scope', "The authorization server resource does not have any configured default scopes, 'scope' must be provided.");
    const denied = requested.filter((s) => !app.scopes.has(s));
    if (denied.length) return fail(400, 'invalid_scope', `The following scopes are not allowed: ${denied.join(', ')}`);
    const accessToken = this.tokens.issue(new Set(requested), TOKEN_LIFETIME_S, now);
    return { status: 200, body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, access_token: accessToken, scope: requested.join(' ') } };
  }

  /** The scopes of a live access token, or undefined for an unknown or expired one. */
  scopesOf(accessToken: string, now = Date.now()): ReadonlySet<string> | undefined {
    return this.tokens.live(accessToken, now);
  }

  /** Expires every access token issued so far (clients must fetch a new one). */
  revokeAll(): void {
    this.tokens.revokeAll();
  }

  private verifiedClaims(assertion: string, audience: string, now: number): { clientId: string } | { error: OAuthAnswer } {
    const invalid = (why: string) => ({ error: fail(401, 'invalid_client', `The client_assertion token is invalid: ${why}`) });
    const jwt = readJwt(assertion);
    if (jwt === 'unsigned') return invalid('not a signed JWT');
    if (jwt === 'malformed') return invalid('malformed');
    const { alg } = jwt.header;
    const { iss, sub, aud, exp, jti } = jwt.claims;
    const app = typeof iss === 'string' ? this.apps.get(iss) : undefined;
    if (!app) return invalid('unknown client');
    if (sub !== iss) return invalid('sub must equal iss');
    if (alg !== 'RS256' && alg !== 'ES256') return invalid(`algorithm ${String(alg)} is not allowed`);
    if (!signedBy(jwt, app.key)) return invalid('signature verification failed');
    if (!(Array.isArray(aud) ? aud : [aud]).includes(audience)) return invalid('aud does not name this token endpoint');
    if (typeof exp !== 'number' || exp * 1000 <= now) return invalid('expired');
    if (jti) {
      if (this.usedJti.has(jti)) return invalid('the jti was already used');
      this.usedJti.add(jti);
    }
    return { clientId: iss as string };
  }
}

/** The scope an API call needs: a `.read` scope is enough for GET, anything else needs `.manage`. */
export function requiredScopes(method: string, path: string): string[] {
  const resource = path.split('/')[3] === 'groups' ? 'groups' : 'users';
  return method === 'GET' ? [`okta.${resource}.read`, `okta.${resource}.manage`] : [`okta.${resource}.manage`];
}
