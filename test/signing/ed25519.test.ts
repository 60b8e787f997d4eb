import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { signerFromPem, verifierFromPem } from '../../src/signing/ed25519.js';

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

describe('Ed25519 signing', () => {
  it('signs, and the public key alone verifies; another key or other data does not', () => {
    const a = pair();
    const b = pair();
    const signer = signerFromPem(a.privatePem, 'test key');
    const sig = signer.sign('seq 1 hash abc');
    const verifier = verifierFromPem(a.publicPem, 'test pub');
    expect(verifier.keyId).toBe(signer.keyId);
    expect(verifier.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(verifier.verify('seq 1 hash abc', sig)).toBe(true);
    expect(verifier.verify('seq 1 hash abd', sig)).toBe(false);
    expect(verifierFromPem(b.publicPem, 'other').verify('seq 1 hash abc', sig)).toBe(false);
    expect(verifier.verify('seq 1 hash abc', 'not base64 at all!')).toBe(false);
    expect(signer.publicKeyPem).toBe(a.publicPem);
  });

  it('refuses keys that are not Ed25519 or not PEM, without echoing the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signerFromPem(rsa, 'cfg:1:1: signing key')).toThrow(/rsa key; Lockstep signs with Ed25519 keys only/);
    let error: unknown;
    try {
      signerFromPem('secret-material-1234', 'cfg:1:1: signing key');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/not a PEM private key/);
    expect((error as Error).message).not.toContain('secret-material-1234');
    expect(() => verifierFromPem('nope', 'pub')).toThrow(/not a PEM public key/);
  });
});
