import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessTokens, bearerToken, readJwt, signedBy } from '../../src/emulator/oauth.js';

const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function jwt(alg: string, key: KeyObject, claims: Record<string, unknown> = { iss: 'app' }): string {
  const input = Buffer.from(`${part({ alg })}.${part(claims)}`);
  const signature =
    alg === 'ES256'
      ? sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
      : alg === 'PS256'
        ? sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
        : sign('sha256', input, key);
  return `${input.toString()}.${signature.toString('base64url')}`;
}

describe('JWT assertions', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('reads header and claims, and tells an unsigned token from a malformed one', () => {
    const read = readJwt(jwt('RS256', rsa.privateKey, { iss: 'app', exp: 1 }));
    expect(read).toMatchObject({ header: { alg: 'RS256' }, claims: { iss: 'app', exp: 1 } });
    expect(readJwt('a.b')).toBe('unsigned');
    expect(readJwt(`${part({ alg: 'RS256' })}.${part([1])}.c2ln`)).toBe('malformed');
    expect(readJwt('eyJ.eyJ.c2ln')).toBe('malformed');
  });

  it('checks RS256, PS256 and ES256 signatures against the key, and refuses other algorithms', () => {
    const check = (token: string, key: KeyObject) => signedBy(readJwt(token) as Exclude<ReturnType<typeof readJwt>, string>, key);
    expect(check(jwt('RS256', rsa.privateKey), rsa.publicKey)).toBe(true);
    expect(check(jwt('PS256', rsa.privateKey), rsa.publicKey)).toBe(true);
    expect(check(jwt('ES256', ec.privateKey), ec.publicKey)).toBe(true);
    expect(check(jwt('RS256', rsa.privateKey), ec.publicKey)).toBe(false);
    expect(check(jwt('HS256', rsa.privateKey), rsa.publicKey)).toBe(false);
    const [h, , s] = jwt('RS256', rsa.privateKey).split('.');
    expect(check(`${h}.${part({ iss: 'someone else' })}.${s}`, rsa.publicKey)).toBe(false);
  });

  it('reads a bearer token from an Authorization header', () => {
    expect([bearerToken('Bearer abc'), bearerToken('bearer  abc'), bearerToken('Basic abc'), bearerToken(undefined)]).toEqual(['abc', 'abc', undefined, undefined]);
  });
});

describe('AccessTokens', () => {
  it('issues tokens in the API format, finds live ones only, lists and revokes them', () => {
    let n = 0;
    const tokens = new AccessTokens<string>(() => `tok${++n}`);
    const a = tokens.issue('grant-a', 60, 1_000);
    const b = tokens.issue('grant-b', 1, 1_000);
    expect([a, b]).toEqual(['tok1', 'tok2']);
    expect([tokens.live(a, 2_000), tokens.live(b, 2_000), tokens.live('nope'), tokens.live(undefined)]).toEqual(['grant-a', undefined, undefined, undefined]);
    expect(tokens.find(b)).toEqual({ grant: 'grant-b', expiresAt: 2_000 });
    expect(tokens.list(2_000)).toEqual(['tok1']);
    tokens.revokeAll();
    expect([tokens.list(0), tokens.find(a)]).toEqual([[], undefined]);
  });
});
