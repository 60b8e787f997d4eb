/** What signs and checks plans and journal records (Ed25519 keys in src/signing implement it). */

/**
 * Checks Ed25519 signatures made by one key. `keyId` names the key without revealing
 * anything secret: `ed25519:` and the first 16 hex digits of the SHA-256 of the public
 * key's SPKI DER, so a record or plan says which key signed it.
 */
export interface Verifier {
  readonly keyId: string;
  /** True when `signature` (base64) is this key's signature of `data` (a string is signed as UTF-8). */
  verify(data: string | Uint8Array, signature: string): boolean;
}

/** Signs with an Ed25519 private key; the key material never leaves this object. */
export interface Signer extends Verifier {
  /** The signature of `data` (a string is signed as UTF-8), base64. */
  sign(data: string | Uint8Array): string;
  /** The public key, SPKI PEM: what `audit verify --public-key` and Config `signing.publicKey` take. */
  readonly publicKeyPem: string;
}
