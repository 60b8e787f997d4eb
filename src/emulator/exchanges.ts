import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { keptBody, keptHeaders, keptRequestHeader, keptResponseHeader } from '../provider/http-keep.js';

/**
 * What an emulator was asked and what it answered, kept when a test asks for it, so the
 * requests the providers send and the answers they read can be checked against the
 * vendor's published API definition (test/contracts/). Credentials are not kept: only
 * the headers src/provider/http-keep.ts names are, and the OAuth fields that carry secrets
 * (client secrets and assertions, passwords, access and refresh tokens) are replaced
 * wherever a body has them.
 */
export interface Exchange {
  /** Upper case. */
  method: string;
  /** The path as sent, without the query (base path included). */
  path: string;
  /** The emulator's endpoint template, e.g. `/api/v1/users/{id}`. */
  template: string;
  /** Each query parameter with every value it was given, in order. */
  query: Record<string, string[]>;
  /** Content-Type, If-Match and the like: the request headers an API definition speaks of. */
  requestHeaders: Record<string, string>;
  /** Parsed when JSON; the text otherwise; undefined when empty or not read (a fault answered first). */
  requestBody: unknown;
  status: number;
  /** The answer's headers that matter to a client: Content-Type, Link, Location, ETag, Retry-After, rate limits. */
  responseHeaders: Record<string, string>;
  /** Parsed when JSON; the text otherwise; undefined when empty. */
  responseBody: unknown;
  /** The answer was an injected fault (src/emulator/faults.ts), not the emulator's own. */
  injected: boolean;
}

/**
 * A request a test sends with this header asks what the vendor's definition forbids (to
 * see the emulator refuse or cap it): it is answered as any other, and not kept.
 */
export const CONTRACT_PROBE_HEADER = 'x-lockstep-contract-probe';

/** The exchanges of one or more emulators, in the order they were answered. */
export class ExchangeLog {
  readonly exchanges: Exchange[] = [];

  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }

  clear(): void {
    this.exchanges.length = 0;
  }
}

/** What the server knows of a request when it starts answering it. */
export interface ExchangeStart {
  method: string;
  url: URL;
  template: string;
  headers: IncomingHttpHeaders;
}

/**
 * Records the exchange once the answer is written: wraps `res.end` to see the body
 * (every emulator answer and fault ends with one `end(body)`). The caller hands it the
 * request body once read, and says when a fault answered.
 */
export function captureExchange(log: ExchangeLog, start: ExchangeStart, res: ServerResponse): { requestBody(text: string): void; injected(): void } {
  let requestText: string | undefined;
  let injected = false;
  let responseText = '';
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]): ServerResponse => {
    if (typeof chunk === 'string') responseText += chunk;
    else if (chunk instanceof Uint8Array) responseText += Buffer.from(chunk).toString('utf8');
    return end(chunk, ...rest);
  }) as typeof res.end;
  res.once('finish', () => {
    if (start.headers[CONTRACT_PROBE_HEADER] !== undefined) return;
    log.record({
      method: start.method,
      path: start.url.pathname,
      template: start.template,
      query: queryOf(start.url),
      requestHeaders: keptHeaders(start.headers, keptRequestHeader),
      requestBody: keptBody(requestText),
      status: res.statusCode,
      responseHeaders: keptHeaders(res.getHeaders(), keptResponseHeader),
      responseBody: keptBody(responseText),
      injected,
    });
  });
  return {
    requestBody: (text) => {
      requestText = text;
    },
    injected: () => {
      injected = true;
    },
  };
}

function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  return query;
}
