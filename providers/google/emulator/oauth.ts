import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { AccessTokens, bearerToken, readJwt, signedBy } from '../../../src/emulator/oauth.js';
import { GoogleApiError } from './wire.js';

/**
 * Google's OAuth 2.0 token endpoint for service accounts (RFC 7523 JWT-bearer grant,
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest) and
 * the bearer check every API endpoint makes. Domain-wide delegation is modelled as the
 * scopes an administrator granted the service account's client, and the admin it may
 * impersonate.
 */

/** The audience Google requires in a service-account assertion (what google-auth-library signs). */
export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;

export interface DelegatedServiceAccount {
  clientEmail: string;
  /** PEM (SPKI) or a KeyObject: the public half of the account's key. */
  publicKey: string | KeyObject;
  /** Scopes granted through domain-wide delegation. */
  scopes: readonly string[];
}

export interface AccessGrant {
  scopes: ReadonlySet<string>;
  subject: string;
}

/** A service account with a fresh RSA key, and its key file as Google issues it. */
export function generateServiceAccount(clientEmail: string, tokenUri: string): { publicKey: KeyObject; keyFile: Record<string, string> } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey,
    keyFile: {
      type: 'service_account',
      project_id: 'lockstep-emulator',
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      token_uri: tokenUri,
    },
  };
}

class TokenEndpointError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

export class TokenIssuer {
  private readonly grants = new AccessTokens<AccessGrant>(() => `ya29.${randomBytes(32).toString('base64url')}`);
  private readonly accounts = new Map<string, { publicKey: KeyObject; scopes: ReadonlySet<string> }>();

  constructor(
    accounts: readonly DelegatedServiceAccount[],
    /** Whether a subject is a super admin the delegation may impersonate. */
    private readonly isAdmin: (subject: string) => boolean,
  ) {
    for (const a of accounts) this.trust(a);
  }

  /** Delegates domain-wide to one more service account. */
  trust(account: DelegatedServiceAccount): void {
    const publicKey = typeof account.publicKey === 'string' ? createPublicKey(account.publicKey) : account.publicKey;
    this.accounts.set(account.clientEmail, { publicKey, scopes: new Set(account.scopes) });
  }

  /** POST /token with a form body: the JSON answer and its status, Google's error shape on failure. */
  exchange(form: string, now: number = Date.now()): { status: number; body: unknown } {
    try {
      const params = new URLSearchParams(form);
      if (params.get('grant_type') !== JWT_BEARER) throw new TokenEndpointError(400, 'unsupported_grant_type', `Invalid grant_type: ${params.get('grant_type') ?? ''}`);
      const claims = this.verifyAssertion(params.get('assertion') ?? '', now);
      const token = this.grants.issue({ scopes: claims.scopes, subject: claims.sub }, TOKEN_LIFETIME_S, now);
      return { status: 200, body: { access_token: token, expires_in: TOKEN_LIFETIME_S - 1, token_type: 'Bearer' } };
    } catch (e) {
      if (e instanceof TokenEndpointError) return { status: e.status, body: { error: e.error, error_description: e.message } };
      throw e;
    }
  }

  /** The grant behind an Authorization header; Google's 401 otherwise. */
  authenticate(authorization: string | undefined, now: number = Date.now()): AccessGrant {
    const grant = this.grants.live(bearerToken(authorization), now);
    if (!grant) {
      throw new GoogleApiError(
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    return grant;
  }

  /** Access tokens issued and still valid (an inspector for tests: proving none leaks). */
  issued(now: number = Date.now()): string[] {
    return this.grants.list(now);
  }

  /** Ends every grant, as when an administrator revokes the client's access. */
  revokeAll(): void {
    this.grants.revokeAll();
  }

  private verifyAssertion(assertion: string, now: number): { sub: string; scopes: ReadonlySet<string> } {
    const jwt = readJwt(assertion);
    if (typeof jwt === 'string') throw new TokenEndpointError(400, 'invalid_grant', 'Invalid JWT: malformed assertion.');
    const { header, claims } = jwt;
    if (header['alg'] !== 'RS256') throw new TokenEndpointError(400, 'invalid_grant', 'Invalid JWT: the signing algorithm must be RS256.');
    const account = typeof claims['iss'] === 'string' ? this.accounts.get(claims['iss']) : undefined;
    if (!account) throw new TokenEndpointError(400, 'invalid_grant', 'Invalid grant: account not found');
    if (!signedBy(jwt, account.publicKey)) {
      throw new TokenEndpointError(400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    if (claims['aud'] !== GOOGLE_TOKEN_AUDIENCE)
      throw new TokenEndpointError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The expected value was ${GOOGLE_TOKEN_AUDIENCE}`);
    const exp = claims['exp'];
    const iat = claims['iat'];
    const nowS = Math.floor(now / 1000);
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp <= nowS || iat > nowS + CLOCK_SKEW_S || exp - iat > TOKEN_LIFETIME_S) {
      throw new TokenEndpointError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const sub = claims['sub'];
    if (typeof sub !== 'string' || !this.isAdmin(sub)) throw new TokenEndpointError(400, 'invalid_grant', 'Invalid email or User ID');
    const requested = typeof claims['scope'] === 'string' ? claims['scope'].split(' ').filter(Boolean) : [];
    if (!requested.length || requested.some((x) => !account.scopes.has(x))) {
      throw new TokenEndpointError(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    return { sub, scopes: new Set(requested) };
  }
}
