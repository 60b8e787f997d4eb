import { randomBytes } from 'node:crypto';
import { OktaRequestError } from './store.js';

/**
 * Okta's list conventions: cursor pagination with `after` and `limit`, announced by
 * `Link` headers with absolute URLs (rel="self" and, while more results follow,
 * rel="next"); and the `filter` expression language for users (`eq` on status, id,
 * login and email, comparisons on lastUpdated, joined by `and` / `or`).
 *
 * Each listing has its own default and largest `limit`; a larger one is capped, as Okta
 * caps it. The `after` cursor is opaque, as Okta documents it
 * (https://developer.okta.com/docs/api/#pagination), and does not live forever (how long
 * Okta keeps one, and the error for a stale one, are not documented): a cursor past its lifetime (or expired by a test) is answered 400 E0000001,
 * and the client has to list again from the first page.
 */
export interface PageLimits {
  /** Items per page without `limit`. */
  default: number;
  /** The largest `limit` honoured. */
  max: number;
}

/** The listings' page sizes (Okta's documented defaults; the largest a page holds). */
export const PAGE_LIMITS = {
  /** GET /api/v1/users: 200 by default and at most. */
  users: { default: 200, max: 200 },
  /** GET /api/v1/groups: 10,000 by default and at most. */
  groups: { default: 10_000, max: 10_000 },
  /** GET /api/v1/groups/{id}/users: 1,000 by default and at most. */
  groupUsers: { default: 1000, max: 1000 },
  /** GET /api/v1/users/{id}/groups. */
  userGroups: { default: 200, max: 200 },
  /** GET /api/v1/users/{id}/grants: 20 by default, at most 200. */
  grants: { default: 20, max: 200 },
} as const satisfies Record<string, PageLimits>;

/** How long a cursor stays valid unless the emulator is told otherwise. */
export const DEFAULT_CURSOR_TTL_MS = 60 * 60_000;

/** The cursors handed out in Link headers, each standing for the last id of its page. */
export class Cursors {
  private readonly issued = new Map<string, { after: string; at: number }>();

  constructor(public ttlMs: number = DEFAULT_CURSOR_TTL_MS) {}

  issue(after: string, now = Date.now()): string {
    if (this.issued.size > 10_000) for (const [k, v] of this.issued) if (now - v.at > this.ttlMs) this.issued.delete(k);
    const cursor = randomBytes(12).toString('base64url');
    this.issued.set(cursor, { after, at: now });
    return cursor;
  }

  /** The id a cursor continues after; 400 for a cursor never issued or past its lifetime. */
  read(cursor: string, now = Date.now()): string {
    const c = this.issued.get(cursor);
    if (!c || now - c.at > this.ttlMs) {
      this.issued.delete(cursor);
      throw new OktaRequestError(400, 'E0000001', 'Api validation failed: after', ['The pagination cursor is invalid or has expired; list again from the first page']);
    }
    return c.after;
  }

  /** Makes every cursor handed out so far stale. */
  expireAll(): void {
    this.issued.clear();
  }
}

export interface Page<T> {
  items: T[];
  links: string[];
}

/** One page of `all` (sorted by id) after the request's cursor, with its Link headers. */
export function page<T extends { id: string }>(all: T[], url: URL, root: string, limits: PageLimits, cursors: Cursors): Page<T> {
  const rawLimit = url.searchParams.get('limit');
  let limit = limits.default;
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || n < 1) throw new OktaRequestError(400, 'E0000001', 'Api validation failed: limit', ['limit must be a positive integer']);
    limit = Math.min(n, limits.max);
  }
  const cursor = url.searchParams.get('after');
  const after = cursor ? cursors.read(cursor) : undefined;
  const start = after !== undefined ? all.findIndex((x) => x.id > after) : 0;
  const from = start < 0 ? all.length : start;
  const items = all.slice(from, from + limit);
  const self = `${root}${url.pathname}${url.search}`;
  const links = [`<${self}>; rel="self"`];
  if (from + limit < all.length && items.length > 0) {
    const next = new URLSearchParams(url.searchParams);
    next.set('after', cursors.issue(items[items.length - 1]!.id));
    next.set('limit', String(limit));
    links.push(`<${root}${url.pathname}?${next.toString().replace(/\+/g, '%20')}>; rel="next"`);
  }
  return { items, links };
}

export const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

type Comparison = { attr: string; op: 'eq' | 'gt' | 'ge' | 'lt' | 'le' | 'sw'; value: string };
/** Disjunctive normal form: an `or` of `and`s, since Okta filters have no parentheses we need. */
export type UserFilter = Comparison[][];

const TERM = /^\s*([A-Za-z.]+)\s+(eq|gt|ge|lt|le|sw)\s+"((?:[^"\\]|\\.)*)"\s*/i;
const JOIN = /^(and|or)\b/i;

export function parseUserFilter(expression: string): UserFilter {
  const invalid = () => new OktaRequestError(400, 'E0000031', 'Invalid search criteria.', [`unsupported filter: ${expression}`]);
  const groups: Comparison[][] = [[]];
  let rest = expression;
  for (;;) {
    const m = TERM.exec(rest);
    if (!m) throw invalid();
    groups[groups.length - 1]!.push({ attr: m[1]!, op: m[2]!.toLowerCase() as Comparison['op'], value: m[3]!.replace(/\\(.)/g, '$1') });
    rest = rest.slice(m[0].length);
    if (rest.trim() === '') return groups;
    const j = JOIN.exec(rest);
    if (!j) throw invalid();
    if (j[1]!.toLowerCase() === 'or') groups.push([]);
    rest = rest.slice(j[0].length);
  }
}

export function matchesUserFilter(filter: UserFilter, fields: (attr: string) => string | null | undefined): boolean {
  return filter.some((all) =>
    all.every((c) => {
      const v = fields(c.attr);
      if (v === null || v === undefined) return false;
      switch (c.op) {
        case 'eq':
          return c.attr === 'status' || c.attr === 'id' ? v === c.value : v.toLowerCase() === c.value.toLowerCase();
        case 'sw':
          return v.toLowerCase().startsWith(c.value.toLowerCase());
        case 'gt':
          return v > c.value;
        case 'ge':
          return v >= c.value;
        case 'lt':
          return v < c.value;
        case 'le':
          return v <= c.value;
      }
    }),
  );
}
