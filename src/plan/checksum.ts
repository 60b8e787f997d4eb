import { canonicalJson, sha256Hex } from '../journal/canonical-json.js';
import type { Plan } from '../types/index.js';

/**
 * The plan's identity: `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of every
 * field except `checksum`, `createdAt` and `signature`. Two plans with the same checksum make
 * the same decisions from the same inputs; `apply --approve-guard <checksum>` approves exactly
 * one. Wall-clock `createdAt` is left out so that a plan reproduced with `--now` has the same
 * identity; `signature` is left out because it signs the checksum (a plan signed or not is
 * the same plan).
 */
export function planChecksum(plan: Omit<Plan, 'checksum' | 'createdAt' | 'signature'> & Partial<Pick<Plan, 'checksum' | 'createdAt' | 'signature'>>): string {
  const { checksum: _checksum, createdAt: _createdAt, signature: _signature, ...rest } = plan;
  return `sha256:${sha256Hex(canonicalJson(rest))}`;
}
