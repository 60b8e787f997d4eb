import { randomBytes } from 'node:crypto';
import { ApiStatusError } from './status.js';

/**
 * Chunked lists as the API server serves them: `limit` cuts a consistent snapshot
 * (taken at the first page's resourceVersion) into pages; `continue` is an opaque token
 * for the rest, which expires (410 Gone, reason Expired, "The provided continue parameter
 * is too old ...") after a while, or on demand; the client then lists again from the start
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks).
 * A short `continueTtlMs` or `expireContinueTokens` makes it happen in tests; the default
 * (5 minutes) is long enough for every listing the tests make.
 */
interface Snapshot {
  items: unknown[];
  resourceVersion: string;
  issuedAt: number;
}

export interface Page {
  items: unknown[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export class ListPager {
  private readonly snapshots = new Map<string, Snapshot>();
  private forcedExpiries = 0;

  /** `ttlMs`: how long a continue token stays valid (the API server's compaction window). */
  constructor(private ttlMs: number) {}

  setTtl(ms: number): void {
    this.ttlMs = ms;
  }

  /** Every continue token handed out so far expires now; with `next`, also the next `next` ones used. */
  expireAll(next = 0): void {
    this.snapshots.clear();
    this.forcedExpiries = next;
  }

  page(read: () => { items: unknown[]; resourceVersion: string }, limit: number | undefined, token: string | null): Page {
    this.sweep();
    if (token) {
      const { id, offset } = decode(token);
      const snap = this.snapshots.get(id);
      const forced = this.forcedExpiries > 0;
      if (forced) this.forcedExpiries -= 1;
      if (!snap || forced || Date.now() - snap.issuedAt > this.ttlMs) {
        this.snapshots.delete(id);
        // The hint lets a client continue inconsistently from the same key with the current state.
        const fresh = this.cut(read(), offset, limit);
        throw new ApiStatusError(410, 'Expired', EXPIRED_MESSAGE, undefined, fresh.continue ?? undefined);
      }
      return this.serve(id, snap, offset, limit);
    }
    return this.cut(read(), 0, limit);
  }

  private cut(list: { items: unknown[]; resourceVersion: string }, offset: number, limit: number | undefined): Page {
    const id = randomBytes(9).toString('base64url');
    const snap = { ...list, issuedAt: Date.now() };
    if (!limit || offset + limit >= list.items.length) return { items: list.items.slice(offset), resourceVersion: list.resourceVersion };
    this.snapshots.set(id, snap);
    return this.serve(id, snap, offset, limit);
  }

  private serve(id: string, snap: Snapshot, offset: number, limit: number | undefined): Page {
    const end = limit ? offset + limit : snap.items.length;
    const items = snap.items.slice(offset, end);
    if (end >= snap.items.length) {
      this.snapshots.delete(id);
      return { items, resourceVersion: snap.resourceVersion };
    }
    return { items, resourceVersion: snap.resourceVersion, continue: encode(id, end, snap.resourceVersion), remainingItemCount: snap.items.length - end };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.snapshots) if (now - s.issuedAt > Math.max(this.ttlMs, 60_000) * 2) this.snapshots.delete(id);
  }
}

function encode(id: string, offset: number, rv: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), id, start: offset })).toString('base64url');
}

function decode(token: string): { id: string; offset: number } {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { id?: unknown; start?: unknown };
    if (typeof o.id === 'string' && typeof o.start === 'number' && o.start >= 0) return { id: o.id, offset: o.start };
  } catch {
    // fall through
  }
  throw new ApiStatusError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
