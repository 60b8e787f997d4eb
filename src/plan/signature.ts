import { canonicalJson } from '../journal/canonical-json.js';
import type { Signer, Verifier } from '../types/signing.js';
import type { Plan } from '../types/index.js';

/**
 * What a plan's signature proves against the key a reader holds:
 * - `verified`: signed by that key, over exactly this content (checksum and createdAt included);
 * - `other_key`: signed, by a key other than the reader's;
 * - `invalid`: signed by the reader's key id, but the content is not what was signed;
 * - `unchecked`: signed, and the reader holds no key to check it with;
 * - `unsigned`: no signature.
 */
export type PlanSignatureStatus =
  | { readonly state: 'unsigned' }
  | { readonly state: 'verified' | 'invalid' | 'unchecked'; readonly keyId: string }
  | { readonly state: 'other_key'; readonly keyId: string; readonly expected: string };

/** The bytes a plan signature covers: the canonical JSON of the plan without `signature`. */
function signedContent(plan: Plan): string {
  const { signature: _signature, ...rest } = plan;
  return canonicalJson(rest);
}

/** The plan with its Ed25519 signature, top-level keys kept in canonical order. */
export function signPlan(plan: Plan, signer: Signer): Plan {
  const signature = { algorithm: 'ed25519' as const, keyId: signer.keyId, value: signer.sign(signedContent(plan)) };
  const entries = Object.entries({ ...plan, signature }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries) as unknown as Plan;
}

export function planSignatureStatus(plan: Plan, verifier: Verifier | null): PlanSignatureStatus {
  const sig = plan.signature;
  if (!sig) return { state: 'unsigned' };
  if (!verifier) return { state: 'unchecked', keyId: sig.keyId };
  if (sig.keyId !== verifier.keyId) return { state: 'other_key', keyId: sig.keyId, expected: verifier.keyId };
  return { state: verifier.verify(signedContent(plan), sig.value) ? 'verified' : 'invalid', keyId: sig.keyId };
}

/** One line for `show`: who signed the plan and whether that was checked. */
export function describePlanSignature(status: PlanSignatureStatus): string {
  switch (status.state) {
    case 'unsigned':
      return 'unsigned';
    case 'verified':
      return `signed by ${status.keyId}, verified`;
    case 'unchecked':
      return `signed by ${status.keyId}, not verified: no public key to check it with (Config spec.signing.publicKey, or --public-key)`;
    case 'other_key':
      return `signed by ${status.keyId}, not verified: the key given is ${status.expected}`;
    case 'invalid':
      return `signed by ${status.keyId}, NOT VERIFIED: the signature does not match the plan's content (changed after it was signed)`;
  }
}
