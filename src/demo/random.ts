/**
 * Seeded pseudo-random numbers for the demo organisation. Everything the generator
 * draws comes from here, never from Math.random, so a seed always yields the same
 * organisation, byte for byte.
 *
 * Each concern (people, each provider, the story) draws from its own stream, derived
 * from the seed and a label, so adding a provider or a story fact does not reshuffle
 * the people or the other providers' ids.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Unsigned 32-bit integer. */
  uint32(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[];
}

/** FNV-1a over a string: turns a stream label into a 32-bit seed component. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * sfc32 (Small Fast Counter): 128 bits of state, passes PractRand far beyond what a
 * demo needs, and is a handful of integer operations per draw, which matters when the
 * benchmark generates half a million accounts.
 */
export function createRandom(seed: number, stream = ''): Random {
  let a = seed >>> 0;
  let b = hashLabel(stream);
  let c = 0x9e3779b9;
  let d = (seed ^ 0x5bd1e995) >>> 0;
  const uint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so that nearby seeds do not start from correlated states.
  for (let i = 0; i < 15; i++) uint32();

  const next = (): number => uint32() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    uint32,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = items[i] as T;
        items[i] = items[j] as T;
        items[j] = t;
      }
      return items;
    },
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex8 = (n: number): string => `${HEX[n >>> 24]}${HEX[(n >>> 16) & 255]}${HEX[(n >>> 8) & 255]}${HEX[n & 255]}`;

// Ids are built with Array#join, which yields one flat string: a template literal or
// `+=` would leave a chain of string pieces per id, and half a million ids' worth of
// pieces makes the garbage collector dominate a large generation.

/** A version-4-shaped UUID drawn from the stream (SCIM and Entra object ids look like this). */
export function uuidLike(r: Random): string {
  const a = hex8(r.uint32());
  const b = hex8(r.uint32());
  const c = hex8(r.uint32());
  const d = hex8(r.uint32());
  const variant = '89ab'[r.uint32() & 3] as string;
  return [a, '-', b.slice(0, 4), '-4', b.slice(5, 8), '-', variant, c.slice(1, 4), '-', c.slice(4), d].join('');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters of base 62 after a prefix (Okta ids: 00u + 17). */
export function base62Id(r: Random, prefix: string, length: number): string {
  const chars = [prefix];
  for (let i = 0; i < length; i++) chars.push(BASE62[r.uint32() % 62] as string);
  return chars.join('');
}

/** A decimal id of `length` digits with no leading zero (Google user ids are 21 digits). */
export function numericId(r: Random, length: number): string {
  const digits = [String(r.int(1, 9))];
  for (let i = 1; i < length; i++) digits.push(String(r.uint32() % 10));
  return digits.join('');
}
