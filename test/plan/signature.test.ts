import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planChecksum } from '../../src/plan/checksum.js';
import { describePlanSignature, planSignatureStatus, signPlan } from '../../src/plan/signature.js';
import { signerFromPem, verifierFromPem } from '../../src/signing/ed25519.js';
import { aChange, aPlan } from '../support/changes.js';

const aKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signer: signerFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'key'),
    verifier: verifierFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'public key'),
  };
};
const plan = () => aPlan([aChange({ action: 'suspend' })]);

describe('plan signatures', () => {
  it('a signed plan verifies with the public key, as read back from its JSON, and keeps its checksum', () => {
    const { signer, verifier } = aKey();
    const signed = signPlan(plan(), signer);
    expect(signed.signature).toMatchObject({ algorithm: 'ed25519', keyId: verifier.keyId });
    expect(signed.checksum).toBe(planChecksum(signed));
    expect(Object.keys(signed)).toEqual([...Object.keys(signed)].sort());
    const read = JSON.parse(JSON.stringify(signed, null, 2));
    expect(planSignatureStatus(read, verifier)).toEqual({ state: 'verified', keyId: verifier.keyId });
    expect(describePlanSignature(planSignatureStatus(read, verifier))).toBe(`signed by ${verifier.keyId}, verified`);
  });

  it('covers createdAt and the checksum, which the checksum itself does not', () => {
    const { signer, verifier } = aKey();
    const signed = signPlan(plan(), signer);
    expect(planSignatureStatus({ ...signed, createdAt: '2020-01-01T00:00:00.000Z' }, verifier).state).toBe('invalid');
    const edited = { ...signed, changes: [] };
    expect(planSignatureStatus({ ...edited, checksum: planChecksum(edited) }, verifier).state).toBe('invalid');
  });

  it('tells unsigned, signed by another key, and signed with no key to check it with', () => {
    const mine = aKey();
    const theirs = aKey();
    expect(planSignatureStatus(plan(), mine.verifier)).toEqual({ state: 'unsigned' });
    const signed = signPlan(plan(), theirs.signer);
    expect(planSignatureStatus(signed, mine.verifier)).toEqual({ state: 'other_key', keyId: theirs.verifier.keyId, expected: mine.verifier.keyId });
    expect(planSignatureStatus(signed, null)).toEqual({ state: 'unchecked', keyId: theirs.verifier.keyId });
    expect(describePlanSignature({ state: 'unsigned' })).toBe('unsigned');
    expect(describePlanSignature(planSignatureStatus(signed, null))).toMatch(/not verified: no public key/);
    expect(describePlanSignature({ state: 'invalid', keyId: 'k' })).toMatch(/NOT VERIFIED/);
  });
});
