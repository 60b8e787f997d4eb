import type { GoogleStore } from './emulator-store.js';
import type { TransferBook } from './emulator-transfer.js';
import type { PageTokens } from './emulator-wire.js';

/** What a route handler gets: path parameters, the query, the parsed body, the state. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body(): Record<string, unknown>;
  store: GoogleStore;
  transfers: TransferBook;
  pages: PageTokens;
  /** The customer's immutable id (`my_customer` names it too). */
  customerId: string;
}

/**
 * One endpoint of the emulated API. `template` is the path as Google documents it
 * (`/admin/directory/v1/users/{userKey}`), used for counters and fault rules; a handler
 * returns the response body, or null for 204 No Content.
 */
export interface Route {
  method: string;
  template: string;
  /** Any one of these scopes lets a caller in (the method's documented authorization scopes). */
  scopes: readonly string[];
  handle(ctx: RouteContext): unknown;
}

/** `{name}` segments of a template as a RegExp with named groups. */
const compiled = new Map<string, RegExp>();

export function compile(template: string): RegExp {
  const cached = compiled.get(template);
  if (cached) return cached;
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  const re = new RegExp(`^${source}$`);
  compiled.set(template, re);
  return re;
}

/** The template of a path (for counters even when the method is not routed); the path itself when none matches. */
export function templateOf(routes: readonly Route[], path: string): { template: string; params: Record<string, string> } {
  for (const r of routes) {
    const m = compile(r.template).exec(path);
    if (m) {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
      return { template: r.template, params };
    }
  }
  return { template: path, params: {} };
}
