import type { Policy } from '../policy/model.js';
import { SecretResolver } from '../policy/secrets.js';
import type { Logger } from '../provider/provider.js';
import { policyKeys, type Signer } from './ed25519.js';

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
