import { OktaRequestError } from './store.js';

/**
 * Okta's list conventions: cursor pagination with `after` (the last id of the previous
 * page) and `limit`, announced by `Link` headers with absolute URLs (rel="self" and,
 * while more results follow, rel="next"); and the `filter` expression language for
 * users (`eq` on status, id, login and email, comparisons on lastUpdated, joined by
 * `and` / `or`).
 */
export const MAX_LIMIT = 200;

export interface Page<T> {
  items: T[];
  links: string[];
}

/** One page of `all` (sorted by id) after the request's cursor, with its Link headers. */
export function page<T extends { id: string }>(all: T[], url: URL, root: string, defaultLimit = MAX_LIMIT): Page<T> {
  const rawLimit = url.searchParams.get('limit');
  let limit = defaultLimit;
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || n < 1) throw new OktaRequestError(400, 'E0000001', 'Api validation failed: limit', ['limit must be a positive integer']);
    limit = Math.min(n, MAX_LIMIT);
  }
  const after = url.searchParams.get('after');
  const start = after ? all.findIndex((x) => x.id > after) : 0;
  const from = start < 0 ? all.length : start;
  const items = all.slice(from, from + limit);
  const self = `${root}${url.pathname}${url.search}`;
  const links = [`<${self}>; rel="self"`];
  if (from + limit < all.length && items.length > 0) {
    const next = new URLSearchParams(url.searchParams);
    next.set('after', items[items.length - 1]!.id);
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
