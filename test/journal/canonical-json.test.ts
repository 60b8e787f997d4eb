import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sortKeysDeep } from '../../src/journal/canonical-json.js';

// The reference RFC 8785 implementation (CommonJS default export).
const reference = canonicalizeModule as unknown as (input: unknown) => string;

describe('canonical JSON (RFC 8785)', () => {
  const cases: unknown[] = [
    null,
    true,
    0,
    -0,
    1e21,
    1e-7,
    0.1 + 0.2,
    123456789012345680000,
    'plain',
    'quotes " and \\ and \u2028 and \u0007 and é and 𝄞',
    [],
    {},
    [1, 'a', null, { b: 1, a: [true, false] }],
    { z: 1, a: { y: [3, 2, 1], b: 'x' }, A: 2, é: 3, 'e\u0301': 4, '10': 1, '2': 2, '€': 0, '\ud83d\ude00': 1 },
    { nested: { deeper: { deepest: [{ k: 'v', j: 0.5 }] } } },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c]))('matches the reference for %s', (_, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it.each(cases.map((c) => [JSON.stringify(c), c]))('takes the fast path on key-sorted copies and still matches for %s', (_, value) => {
    expect(canonicalJson(sortKeysDeep(value))).toBe(reference(value));
  });

  it.each(cases.map((c) => [JSON.stringify(c), c]))('gives a copy JSON.stringify writes canonically, unless a key looks like an array index, for %s', (_, value) => {
    // Keys that look like array indexes are enumerated first whatever their order.
    const indexLike = JSON.stringify(value).match(/"[0-9][^"]*":/) !== null;
    expect(JSON.stringify(sortKeysDeep(value)) === reference(value)).toBe(!indexLike);
  });

  it('leaves out undefined members, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses values with no JSON representation', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
  });

  it('returns objects already in canonical order as they are, and copies only what is out of order', () => {
    const sorted = { a: 1, b: { c: [1, { d: 2, e: 3 }] } };
    expect(sortKeysDeep(sorted)).toBe(sorted);
    const inner = { y: 1, x: 2 };
    const kept = { k: 'v' };
    const mixed = { a: [kept, inner], b: kept };
    const copy = sortKeysDeep(mixed);
    expect(copy).not.toBe(mixed);
    expect(copy.b).toBe(kept);
    expect(copy.a[0]).toBe(kept);
    expect(Object.keys(copy.a[1]!)).toEqual(['x', 'y']);
    expect(Object.keys(inner)).toEqual(['y', 'x']);
    expect(sortKeysDeep({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(Object.keys(sortKeysDeep({ a: undefined, b: 1 }))).toEqual(['b']);
    const outOfOrder = { b: kept, a: 1 };
    expect(Object.keys(sortKeysDeep(outOfOrder))).toEqual(['a', 'b']);
    expect(Object.keys(outOfOrder)).toEqual(['b', 'a']);
    const date = new Date(0);
    expect(sortKeysDeep({ at: date }).at).toBe(date);
  });
});
