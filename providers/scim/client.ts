import { ProviderError } from '../../src/errors.js';
import { redactor } from '../../src/policy/secrets.js';
import { SCIM_CONTENT_TYPE, SCIM_URN, type ScimErrorBody, type ScimListResponse } from './schema.js';
import { isTransientStatus, parseRetryAfter } from '../../src/provider/http-status.js';
import { type HttpTap, tappedFetch } from '../../src/provider/http-tap.js';

/**
 * A small SCIM 2.0 HTTP client (RFC 7644) on Node's fetch. Every failure is a
 * ProviderError carrying the HTTP status and the server's SCIM `detail`; 408, 429, 5xx,
 * dropped connections and timeouts are transient, with the server's Retry-After.
 * Credentials live only in the Authorization header and never enter a message.
 */
export type ScimAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

export interface ScimClientOptions {
  /** The provider's name in Config, carried by every error. */
  provider: string;
  baseUrl: string;
  auth: ScimAuth;
  /** Per-request limit; a request still unanswered after it fails as transient. */
  timeoutMs?: number;
  /** Every request through this tap (a recording or a replay). */
  tap?: HttpTap | undefined;
}

export interface ScimResponse<T> {
  status: number;
  body: T | undefined;
  /** The resource version: the ETag header, else `meta.version` of the body. */
  etag: string | undefined;
}

export interface ScimRequest {
  query?: Record<string, string | number>;
  body?: unknown;
  ifMatch?: string;
  /**
   * Answers handed back to the caller instead of thrown (e.g. 404 for "already gone"):
   * a list of statuses, or a test on the status and the parsed body.
   */
  accept?: readonly number[] | ((status: number, body: unknown) => boolean);
}

/** Stop paging after this many pages: a server ignoring startIndex must not loop forever. */
const MAX_PAGES = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;

export class ScimClient {
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ScimClientOptions) {
    this.fetch = options.tap ? tappedFetch(options.tap) : fetch;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.auth.kind === 'bearer') {
      this.authorization = `Bearer ${options.auth.token}`;
      this.secrets = [options.auth.token];
    } else {
      const encoded = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
      this.authorization = `Basic ${encoded}`;
      this.secrets = [options.auth.password, encoded];
    }
  }

  async request<T>(method: string, path: string, req: ScimRequest = {}): Promise<ScimResponse<T>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: `${SCIM_CONTENT_TYPE}, application/json`, Authorization: this.authorization };
    if (req.body !== undefined) headers['Content-Type'] = SCIM_CONTENT_TYPE;
    if (req.ifMatch) headers['If-Match'] = req.ifMatch;
    const what = `${method} ${path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      throw this.networkError(what, e);
    }
    const body = parseBody(text);
    const accepted = typeof req.accept === 'function' ? req.accept(res.status, body) : req.accept?.includes(res.status);
    if (res.ok || accepted) {
      const version = (body as { meta?: { version?: unknown } } | undefined)?.meta?.version;
      const etag = res.headers.get('etag') ?? (typeof version === 'string' ? version : undefined);
      return { status: res.status, body: (body ?? undefined) as T | undefined, etag };
    }
    throw this.httpError(what, res, body);
  }

  /**
   * Every resource of a type, paging with startIndex/count (RFC 7644 §3.4.2.4) until
   * totalResults is reached. Advances by the number of resources actually returned, never
   * by `count` or itemsPerPage: services cap a page below `count`, ignore it and return
   * more, or return everything at once. A service that answers a later page from the wrong
   * startIndex (scimmy-routers under express 5 drops GET paging parameters) is asked again
   * through POST /.search (§3.4.3), which carries them in the body; if that does not page
   * either, the listing fails rather than coming back silently incomplete.
   *
   * Index paging shifts when resources are added or removed meanwhile, so a listing whose
   * totalResults changes between pages, or that ends short of it, is read again from the
   * first page once; a second such listing fails as transient.
   */
  async listAll<T extends { id: string }>(resource: 'Users' | 'Groups', pageSize: number): Promise<T[]> {
    for (let attempt = 0; ; attempt++) {
      const listed = await this.listOnce<T>(resource, pageSize);
      if (listed.complete) return listed.items;
      if (attempt > 0) {
        throw new ProviderError(this.options.provider, `listing ${resource}: ${listed.incomplete}, again after listing from the first page; a retry lists afresh`, {
          transient: true,
        });
      }
    }
  }

  private async listOnce<T extends { id: string }>(
    resource: 'Users' | 'Groups',
    pageSize: number,
  ): Promise<{ complete: true; items: T[] } | { complete: false; incomplete: string }> {
    const byId = new Map<string, T>();
    let startIndex = 1;
    let search = false;
    let firstTotal: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = search
        ? await this.request<ScimListResponse<T>>('POST', `/${resource}/.search`, { body: { schemas: [SCIM_URN.searchRequest], startIndex, count: pageSize } })
        : await this.request<ScimListResponse<T>>('GET', `/${resource}`, { query: { startIndex, count: pageSize } });
      const reported = res.body?.startIndex;
      if (typeof reported === 'number' && reported !== startIndex) {
        if (search) throw new ProviderError(this.options.provider, `listing ${resource}: the service ignores startIndex, so a complete listing is impossible`);
        search = true;
        page -= 1;
        continue;
      }
      const items = res.body?.Resources ?? [];
      const before = byId.size;
      for (const item of items) if (item && typeof item.id === 'string') byId.set(item.id, item);
      const total = typeof res.body?.totalResults === 'number' ? res.body.totalResults : undefined;
      firstTotal ??= total;
      if (total !== firstTotal) return { complete: false, incomplete: `totalResults went from ${firstTotal} to ${total} while paging (the service changed)` };
      if (total === undefined) {
        // No totalResults (RFC 7644 requires it): page until nothing new comes back.
        if (byId.size === before) return { complete: true, items: [...byId.values()] };
        startIndex += items.length;
        continue;
      }
      if (items.length === 0 && byId.size < total) return { complete: false, incomplete: `a page came back empty after ${byId.size} of ${total}` };
      startIndex += items.length;
      if (items.length === 0 || startIndex > total) {
        if (byId.size < total) return { complete: false, incomplete: `got ${byId.size} of ${total} (the service changed while paging)` };
        return { complete: true, items: [...byId.values()] };
      }
    }
    return { complete: false, incomplete: `more than ${MAX_PAGES} pages` };
  }

  /** One resource by id with its version, or null when the server says it does not exist. */
  async get<T>(resource: 'Users' | 'Groups', id: string): Promise<{ resource: T; etag: string | undefined } | null> {
    const res = await this.request<T>('GET', `/${resource}/${encodeURIComponent(id)}`, { accept: [404] });
    if (res.status === 404 || res.body === undefined) return null;
    return { resource: res.body, etag: res.etag };
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
    return redactor.redact(out);
  }

  private httpError(what: string, res: Response, body: unknown): ProviderError {
    const err = (body ?? {}) as Partial<ScimErrorBody> & { message?: unknown };
    const detail = typeof err.detail === 'string' ? err.detail : typeof err.message === 'string' ? err.message : res.statusText;
    const scimType = typeof err.scimType === 'string' ? ` (${err.scimType})` : '';
    const hint = res.status === 401 || res.status === 403 ? ' (check the credentials configured for this provider)' : '';
    const message = this.scrub(`${what}: HTTP ${res.status}${scimType}: ${detail}${hint}`);
    return new ProviderError(this.options.provider, message, {
      status: res.status,
      transient: isTransientStatus(res.status),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }

  private networkError(what: string, e: unknown): ProviderError {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return new ProviderError(this.options.provider, `${what}: no answer within ${this.timeoutMs} ms`, { transient: true });
    }
    const cause = err.cause ? `${err.cause.code ?? ''} ${err.cause.message ?? ''}`.trim() : (err.message ?? 'unknown error');
    return new ProviderError(this.options.provider, this.scrub(`${what}: connection failed (${cause})`), { transient: true });
  }
}

/** undefined for an empty body, null for one that is not JSON (callers treat both as no body). */
function parseBody(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
