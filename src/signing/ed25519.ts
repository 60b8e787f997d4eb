import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { Signer, Verifier } from '../types/signing.js';

export type { Signer, Verifier } from '../types/signing.js';

const bytes = (data: string | Uint8Array): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

function verifierOf(publicKey: KeyObject): Verifier {
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    verify(data, signature) {
      try {
        return verify(null, bytes(data), publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/**
 * A signer from a PKCS#8 PEM private key. `what` names where the key came from in the
 * errors (never the key): a key that is not PEM, not private, or not Ed25519 is refused.
 */
export function signerFromPem(pem: string, what: string): Signer {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new UserError(`${what}: not a PEM private key (expected an Ed25519 key in PKCS#8 PEM, as \`openssl genpkey -algorithm ed25519\` writes)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new UserError(`${what}: a ${privateKey.asymmetricKeyType ?? 'non-asymmetric'} key; Lockstep signs with Ed25519 keys only`);
  }
  const publicKey = createPublicKey(privateKey);
  const verifier = verifierOf(publicKey);
  return {
    ...verifier,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => sign(null, bytes(data), privateKey).toString('base64'),
  };
}

/** A verifier from an SPKI PEM public key (or a private key's PEM, whose public half is taken). */
export function verifierFromPem(pem: string, what: string): Verifier {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UserError(`${what}: not a PEM public key (expected an Ed25519 public key in SPKI PEM, as \`openssl pkey -pubout\` writes)`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new UserError(`${what}: a ${publicKey.asymmetricKeyType ?? 'non-asymmetric'} key; Lockstep verifies Ed25519 signatures only`);
  }
  return verifierOf(publicKey);
}

/** Reads a public key file (`--public-key`, Config `signing.publicKey`). */
export async function verifierFromFile(file: string, what = file): Promise<Verifier> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${what}: cannot read the public key (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return verifierFromPem(pem, what);
}
