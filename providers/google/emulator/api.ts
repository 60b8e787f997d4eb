import type { Route } from '../../../src/emulator/routes.js';
import type { GoogleStore } from './store.js';
import type { TransferBook } from './transfers.js';
import type { PageTokens } from './wire.js';

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
 * One endpoint of the emulated API. `path` is the path as Google documents it
 * (`/admin/directory/v1/users/{userKey}`), also the key of counters and fault rules; a
 * handler returns the response body, or null for 204 No Content.
 */
export interface GoogleRoute extends Route {
  /** Any one of these scopes lets a caller in (the method's documented authorization scopes). */
  scopes: readonly string[];
  handle(ctx: RouteContext): unknown;
}
