import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { ProviderError } from '../../src/errors.js';
import type { Failures } from './errors.js';

/**
 * Graph requests: single ones through the Graph client (raw responses, so every status
 * is ours to read), and JSON `$batch` for the requests of concurrent applies. A request
 * is queued for a few milliseconds; those queued together (at most 20, Graph's limit) go
 * in one POST /$batch, and each caller gets its own sub-response: a 429 or 5xx inside a
 * batch fails only its own request, with its own Retry-After, as a transient error the
 * apply engine retries after that wait; the others of the batch are done
 * (https://learn.microsoft.com/graph/throttling, "Throttling and batching").
 */

export interface GraphAnswer {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

export interface GraphRequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version root, with an encoded query: `/users/{id}?$select=id`. */
  url: string;
  body?: unknown;
}

export const MAX_BATCH = 20;

interface Queued {
  spec: GraphRequestSpec;
  resolve(answer: GraphAnswer): void;
  reject(e: unknown): void;
}

export class GraphApi {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Batches sent, for diagnostics and tests. */
  batches = 0;

  constructor(
    private readonly client: Client,
    readonly failures: Failures,
    private readonly batchWindowMs = 5,
  ) {}

  /** One request sent now, on its own. */
  async send(spec: GraphRequestSpec): Promise<GraphAnswer> {
    let raw: Response;
    try {
      const req = this.client.api(spec.url).responseType(ResponseType.RAW);
      raw = (await (spec.method === 'GET'
        ? req.get()
        : spec.method === 'DELETE'
          ? req.delete()
          : spec.method === 'PATCH'
            ? req.patch(spec.body ?? {})
            : req.post(spec.body))) as Response;
    } catch (e) {
      throw this.failures.fromThrown(`${spec.method} ${pathOf(spec.url)}`, e);
    }
    const text = await raw.text();
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    return { status: raw.status, retryAfter: raw.headers.get('retry-after'), body };
  }

  /** A request coalesced with others made within the batch window. */
  queued(spec: GraphRequestSpec): Promise<GraphAnswer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ spec, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.batchWindowMs);
    });
  }

  /** The body of a 2xx answer; a failing status (other than those in `accept`) is thrown as ProviderError. */
  async call<T>(what: string, spec: GraphRequestSpec, accept: readonly number[] = []): Promise<{ status: number; body: T | undefined }> {
    const answer = await this.queued(spec);
    if (answer.status < 300 || accept.includes(answer.status)) return { status: answer.status, body: answer.body as T | undefined };
    throw this.failures.fromAnswer(what, answer.status, answer.retryAfter, answer.body);
  }

  /** Every item of a listing, following absolute `@odata.nextLink`s. */
  async list<T>(what: string, url: string): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    for (let next: string | undefined = url; next;) {
      const answer = await this.send({ method: 'GET', url: next });
      if (answer.status >= 300) throw this.failures.fromAnswer(what, answer.status, answer.retryAfter, answer.body);
      const page = (answer.body ?? {}) as { value?: T[]; '@odata.nextLink'?: string };
      out.push(...(page.value ?? []));
      next = page['@odata.nextLink'];
      if (next && seen.has(next)) throw new ProviderError(this.failures.provider, `${what}: the service repeated a page link`);
      if (next) seen.add(next);
    }
    return out;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.queue.splice(0);
    for (const q of pending) q.reject(new ProviderError(this.failures.provider, 'the provider was closed', { transient: true }));
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_BATCH);
      if (group.length === 1) {
        const [one] = group as [Queued];
        this.send(one.spec).then(one.resolve, one.reject);
      } else {
        void this.sendBatch(group);
      }
    }
  }

  private async sendBatch(group: Queued[]): Promise<void> {
    this.batches += 1;
    const requests = group.map((q, i) => ({
      id: String(i + 1),
      method: q.spec.method,
      url: q.spec.url,
      ...(q.spec.body !== undefined ? { body: q.spec.body, headers: { 'Content-Type': 'application/json' } } : {}),
    }));
    try {
      const answer = await this.send({ method: 'POST', url: '/$batch', body: { requests } });
      if (answer.status >= 300) throw this.failures.fromAnswer(`POST /$batch (${group.length} requests)`, answer.status, answer.retryAfter, answer.body);
      const responses = ((answer.body ?? {}) as { responses?: { id?: string; status?: number; headers?: Record<string, string>; body?: unknown }[] }).responses ?? [];
      const byId = new Map(responses.map((r) => [String(r.id), r]));
      group.forEach((q, i) => {
        const r = byId.get(String(i + 1));
        if (!r || typeof r.status !== 'number') {
          q.reject(
            new ProviderError(this.failures.provider, `${q.spec.method} ${pathOf(q.spec.url)}: the batch answer has no response for this request`, { transient: true }),
          );
          return;
        }
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        q.resolve({ status: r.status, retryAfter: headers['retry-after'] ?? null, body: r.body });
      });
    } catch (e) {
      for (const q of group) q.reject(e);
    }
  }
}

/** The path of a request URL without its query (for messages). */
export function pathOf(url: string): string {
  return url.split('?')[0]!;
}
