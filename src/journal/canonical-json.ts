import { createHash } from 'node:crypto';

/**
 * RFC 8785 (JCS) canonical JSON of JSON data: object keys sorted by UTF-16 code units,
 * no whitespace, strings and numbers serialised exactly as ECMAScript's JSON.stringify
 * does (which is what JCS specifies for them). Members whose value is `undefined` are
 * left out, as JSON.stringify leaves them out. Written here rather than taken from the
 * `canonicalize` package because plans of 100,000 people are checksummed on every run
 * and that package is several times slower; a test checks both agree.
 */
export function canonicalJson(value: unknown): string {
  if (inCanonicalOrder(value)) return JSON.stringify(value ?? null);
  const out: string[] = [];
  write(value ?? null, out);
  return out.join('');
}

/**
 * JSON data with every object's keys in canonical order and its `undefined` members left
 * out, so that JSON.stringify of it writes keys in the order canonicalJson does (save for
 * keys that look like array indexes, which engines always enumerate first). The input is
 * not changed: objects out of order are copied, and so is everything holding a copy;
 * objects and arrays already in order are returned as they are, since most of a plan's
 * small objects (targets, preconditions) are, and copying a plan of 100,000 people costs
 * a share of planning. Values with a `toJSON` (dates) are kept as they are.
 */
export function sortKeysDeep<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const s = sortKeysDeep(v);
      if (s !== v && copy === undefined) copy = value.slice(0, i);
      if (copy !== undefined) copy.push(s);
    }
    return (copy ?? value) as T;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.toJSON === 'function') return value;
  if (keysInOrder(obj)) {
    let copy: Record<string, unknown> | undefined;
    for (const k in obj) {
      const v = obj[k];
      const s = sortKeysDeep(v);
      if (s !== v && copy === undefined) copy = { ...obj };
      if (copy !== undefined) copy[k] = s;
    }
    return (copy ?? value) as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v !== undefined) out[k] = sortKeysDeep(v);
  }
  return out as T;
}

/** Own enumerable keys in ascending code-unit order, no inherited ones, no `undefined` values. */
function keysInOrder(obj: Record<string, unknown>): boolean {
  let prev: string | null = null;
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k) || obj[k] === undefined) return false;
    if (prev !== null && !(prev < k)) return false;
    prev = k;
  }
  return true;
}

/**
 * True when JSON.stringify(value) is already the canonical form: every object enumerates
 * its keys in ascending code-unit order (integer-like keys, which engines enumerate
 * first, fail this unless already in order), and every number is finite.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'number' || Number.isFinite(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i])) return false;
    return true;
  }
  if (value instanceof Date || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  let prev: string | null = null;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) return false;
    if (prev !== null && !(prev < k)) return false;
    prev = k;
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return false;
    if (!inCanonicalOrder(v)) return false;
  }
  return true;
}

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite numbers have no JSON representation');
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`a ${typeof value} has no JSON representation`);
    out.push(value === undefined ? 'null' : JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const v: unknown = value[i];
      write(v === undefined ? null : v, out);
    }
    out.push(']');
    return;
  }
  if (value instanceof Date) {
    out.push(JSON.stringify(value));
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  out.push('{');
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(v, out);
  }
  out.push('}');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
