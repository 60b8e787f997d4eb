import { constants, verify, type KeyObject } from 'node:crypto';

/**
 * What the emulated token endpoints have in common (Okta's private key JWT, Google's
 * service account JWT-bearer grant, the Microsoft identity platform's certificate
 * assertion): reading a signed JWT, checking its signature, and the opaque access
 * tokens they issue, which API requests present as `Authorization: Bearer`. The
 * protocols around them (grants, claims, error bodies) stay with each emulator.
 */
export interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `header.claims` as sent: the signature's input. */
  signingInput: Buffer;
  signature: Buffer;
}

/** A compact JWS: `unsigned` without three parts, `malformed` when its header or claims are not JSON objects. */
export function readJwt(token: string): Jwt | 'unsigned' | 'malformed' {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return 'unsigned';
  const header = jsonObject(h);
  const claims = jsonObject(p);
  if (!header || !claims) return 'malformed';
  return { header, claims, signingInput: Buffer.from(`${h}.${p}`), signature: Buffer.from(s, 'base64url') };
}

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the JWT is signed by `key` with the algorithm its header names (RS256, PS256 or ES256; callers decide which they allow). */
export function signedBy(jwt: Jwt, key: KeyObject): boolean {
  try {
    switch (jwt.header['alg']) {
      case 'RS256':
        return verify('RSA-SHA256', jwt.signingInput, key, jwt.signature);
      case 'PS256':
        return verify('sha256', jwt.signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
      case 'ES256':
        return verify('sha256', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

/** Access tokens issued, each with what it grants and when it expires. */
export class AccessTokens<G> {
  private readonly issued = new Map<string, { grant: G; expiresAt: number }>();

  /** `mint` makes a token in the API's own format. */
  constructor(private readonly mint: () => string) {}

  issue(grant: G, lifetimeS: number, now = Date.now()): string {
    const token = this.mint();
    this.issued.set(token, { grant, expiresAt: now + lifetimeS * 1000 });
    return token;
  }

  /** A token as issued, live or expired; undefined for one never issued (or revoked). */
  find(token: string): { grant: G; expiresAt: number } | undefined {
    return this.issued.get(token);
  }

  /** The grant of a live token. */
  live(token: string | undefined, now = Date.now()): G | undefined {
    const t = token === undefined ? undefined : this.issued.get(token);
    return t && t.expiresAt > now ? t.grant : undefined;
  }

  /** Tokens issued and still valid (an inspector for tests: proving none leaks). */
  list(now = Date.now()): string[] {
    return [...this.issued].filter(([, t]) => t.expiresAt > now).map(([token]) => token);
  }

  /** Ends every token issued so far (clients must fetch a new one). */
  revokeAll(): void {
    this.issued.clear();
  }
}
