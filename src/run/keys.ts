import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Policy } from '../policy/model.js';
import { SecretResolver } from '../policy/secrets.js';
import { signerFromPem, verifierFromFile, type Signer, type Verifier } from '../signing/ed25519.js';

/** The keys Config `spec.signing` names: a signer when the private key is configured, a verifier when either is. */
export interface PolicyKeys {
  readonly signer: Signer | null;
  readonly verifier: Verifier | null;
}

export const NO_KEYS: PolicyKeys = { signer: null, verifier: null };

/**
 * Resolves Config `spec.signing`: the private key through its secret reference (only
 * when `withPrivateKey`; a read-only command does not need it), the public key from its
 * file. When both are given they must be the same key.
 */
export async function policyKeys(policy: Policy, opts: { withPrivateKey: boolean; env?: NodeJS.ProcessEnv }): Promise<PolicyKeys> {
  const signing = policy.config.doc.spec.signing;
  if (!signing) return NO_KEYS;
  const at = (field: string) => {
    const l = policy.config.locate(['spec', 'signing', field]);
    return `${l.file}:${l.line}:${l.col}`;
  };
  let signer: Signer | null = null;
  if (signing.key && opts.withPrivateKey) {
    let pem: string;
    try {
      pem = new SecretResolver(opts.env ?? process.env, policy.dir).resolve(signing.key);
    } catch (e) {
      throw new UserError(`${at('key')}: signing key: ${(e as Error).message}`);
    }
    signer = signerFromPem(pem, `${at('key')}: signing key ${signing.key}`);
  }
  let verifier: Verifier | null = signer;
  if (signing.publicKey) {
    const file = isAbsolute(signing.publicKey) ? signing.publicKey : resolve(policy.dir, signing.publicKey);
    const fromFile = await verifierFromFile(file, `${at('publicKey')}: signing public key ${signing.publicKey}`);
    if (signer && fromFile.keyId !== signer.keyId) {
      throw new UserError(`${at('publicKey')}: signing.publicKey is ${fromFile.keyId}, but signing.key is ${signer.keyId}: they must be one key pair`);
    }
    verifier = signer ?? fromFile;
  }
  return { signer, verifier };
}

/**
 * The key `plan` signs with: Config `spec.signing.key` when its reference resolves here.
 * A reference that does not resolve (a pull request from a fork gets no secrets) makes an
 * unsigned plan, said in the log, which apply refuses wherever a key is configured; a
 * reference that resolves to something that is not an Ed25519 private key is an error.
 */
export async function planSigner(policy: Policy, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Signer | null> {
  const key = policy.config.doc.spec.signing?.key;
  if (!key) return null;
  const missing = new SecretResolver(env, policy.dir).check(key);
  if (missing !== null) {
    log.info(`plan not signed: signing key ${key} is not available here (${missing}); apply refuses unsigned plans`);
    return null;
  }
  return (await policyKeys(policy, { withPrivateKey: true, env })).signer;
}
