import { createHmac, randomBytes } from 'node:crypto';

/**
 * The wire format the Google Admin APIs share: the error body, opaque page tokens and
 * `fields` partial responses (https://developers.google.com/workspace/admin/directory/v1/guides/performance).
 */

/** Google's canonical error status names, by HTTP status. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** An answer other than 2xx, rendered as Google's error body. */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain: string = 'global',
  ) {
    super(message);
  }
}

export const notFound = (what: string): GoogleApiError => new GoogleApiError(404, 'notFound', `Resource Not Found: ${what}`);
export const invalid = (message: string): GoogleApiError => new GoogleApiError(400, 'invalid', message);

export function errorBody(status: number, reason: string, message: string, domain = 'global'): unknown {
  return { error: { code: status, message, errors: [{ message, domain, reason }], status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
}

export function parseJsonBody(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new GoogleApiError(400, 'parseError', 'Parse Error');
}

/** `maxResults` within [1, max], `fallback` when absent; anything else is Google's 400 invalid. */
export function maxResults(query: URLSearchParams, max: number, fallback: number): number {
  const raw = query.get('maxResults');
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(`Invalid value '${raw}'. Values must be within the range: [1, ${max}]`);
  return n;
}

/**
 * Opaque page tokens: an HMAC-signed cursor (the last sequence number returned) bound to
 * the listing it belongs to, so a token from another listing or a forged one is refused.
 */
export class PageTokens {
  private readonly key = randomBytes(16);

  issue(listing: string, after: number): string {
    const payload = Buffer.from(JSON.stringify({ l: listing, a: after })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The cursor of a token; 0 for the first page. */
  read(listing: string, token: string | null): number {
    if (!token) return 0;
    const [payload, mac] = token.split('.');
    if (payload && mac && mac === this.sign(payload)) {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { l?: unknown; a?: unknown };
      if (parsed.l === listing && typeof parsed.a === 'number') return parsed.a;
    }
    throw invalid('Invalid page token');
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 16);
  }
}

/** One page of a listing ordered by sequence number, and the token of the next one. */
export function pageOf<T extends { seq: number }>(all: readonly T[], after: number, size: number): { items: T[]; next: number | undefined } {
  const rest = all.filter((x) => x.seq > after);
  const items = rest.slice(0, size);
  const last = items.at(-1);
  return { items, next: rest.length > size && last ? last.seq : undefined };
}

type FieldTree = Map<string, FieldTree | true>;

/** Parses a `fields` selector such as `nextPageToken,users(id,name/fullName)`. */
export function parseFields(selector: string): FieldTree {
  let i = 0;
  const fail = (): never => {
    throw invalid(`Invalid field selection ${selector}`);
  };
  const list = (): FieldTree => {
    const tree: FieldTree = new Map();
    for (;;) {
      const path: string[] = [];
      for (;;) {
        const m = /^[A-Za-z_*][\w*]*/.exec(selector.slice(i));
        if (!m) fail();
        path.push(m![0]);
        i += m![0].length;
        if (selector[i] !== '/') break;
        i++;
      }
      let leaf: FieldTree | true = true;
      if (selector[i] === '(') {
        i++;
        leaf = list();
        if (selector[i] !== ')') fail();
        i++;
      }
      merge(tree, path, leaf);
      if (selector[i] !== ',') return tree;
      i++;
    }
  };
  const tree = list();
  if (i !== selector.length) fail();
  return tree;
}

function merge(tree: FieldTree, path: string[], leaf: FieldTree | true): void {
  const [head, ...rest] = path as [string, ...string[]];
  const value: FieldTree | true = rest.length ? new Map() : leaf;
  if (rest.length) merge(value as FieldTree, rest, leaf);
  const existing = tree.get(head);
  if (existing === true || value === true) tree.set(head, true);
  else if (existing) for (const [k, v] of value) existing.set(k, v);
  else tree.set(head, value);
}

/** The body reduced to the selected fields; `*` keeps everything at its level. */
export function selectFields(body: unknown, tree: FieldTree | true): unknown {
  if (tree === true || tree.has('*') || body === null || typeof body !== 'object') return body;
  if (Array.isArray(body)) return body.map((x) => selectFields(x, tree));
  const out: Record<string, unknown> = {};
  for (const [k, sub] of tree) {
    const v = (body as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = selectFields(v, sub);
  }
  return out;
}
