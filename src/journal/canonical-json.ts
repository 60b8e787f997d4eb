import canonicalizeModule from 'canonicalize';
import { createHash } from 'node:crypto';

/*
 * `canonicalize` is CommonJS (`module.exports = serialize`) while its typings declare an
 * ES default export; under NodeNext the default import is module.exports itself, so the
 * function is the import. The cast states what Node actually hands us.
 */
const serialize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/**
 * RFC 8785 canonical JSON of a JSON-serialisable value. The value first goes through a
 * JSON round trip so that `undefined` members disappear and dates become strings exactly
 * as JSON.stringify writes them: the canonical form is of what a reader will parse back.
 */
export function canonicalJson(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value ?? null));
  const text = serialize(plain);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
