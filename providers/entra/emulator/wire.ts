import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Microsoft Graph's wire conventions for the emulator: the error body, opaque signed
 * `$skiptoken`/`$deltatoken` values, `$top` and `$select`.
 */

/** An answer other than 2xx, rendered as Graph's error body. */
export class GraphApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'BadRequest'): GraphApiError => new GraphApiError(400, code, message);

const FAULT_CODES: Record<number, string> = { 429: 'TooManyRequests', 500: 'generalException', 502: 'BadGateway', 503: 'serviceNotAvailable', 504: 'GatewayTimeout' };

/** Graph's error body for a throttled or failed request (an injected fault, an emulator failure). */
export function faultBody(status: number, detail: string): unknown {
  return errorBody(FAULT_CODES[status] ?? 'generalException', detail);
}

export function errorBody(code: string, message: string, clientRequestId?: string): unknown {
  const requestId = randomUUID();
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId },
    },
  };
}

/**
 * `$top` within [1, 999]; 100 when absent. Graph refuses anything else with 400
 * Request_UnsupportedQuery "Invalid page size specified: '1000'. Must be between 1 and 999
 * inclusive." on the directory collections (users, groups, members, memberOf); the page
 * size and nextLink paging: https://learn.microsoft.com/graph/paging, the message as
 * Graph gives it: https://learn.microsoft.com/answers/questions/1129204.
 */
export function topOf(query: URLSearchParams, fallback = 100): number {
  const raw = query.get('$top');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999)
    throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`, 'Request_UnsupportedQuery');
  return n;
}

/** The `$select` list, or undefined when absent. */
export function selectOf(query: URLSearchParams): string[] | undefined {
  const raw = query.get('$select');
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** An object reduced to `id`, `@odata.type` and the selected properties. */
export function applySelect(obj: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const k of ['@odata.type', 'id', ...select]) if (k in obj) out[k] = obj[k];
  return out;
}

/**
 * Opaque tokens: an HMAC-signed JSON payload, so a forged or altered token is refused.
 * `epoch` lets delta tokens be expired all at once (410 Gone).
 */
export class Tokens {
  private readonly key = randomBytes(16);

  issue(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22)}`;
  }

  read<T>(token: string): T {
    const [body, mac] = token.split('.');
    if (body && mac && mac === createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22)) {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
    }
    throw badRequest('The specified token is not valid.', 'Request_BadRequest');
  }
}

/** A page of `items` starting at `offset`, and the offset of the next page if any. */
export function slicePage<T>(items: readonly T[], offset: number, size: number): { page: T[]; next: number | undefined } {
  const page = items.slice(offset, offset + size);
  return { page, next: offset + size < items.length ? offset + size : undefined };
}
