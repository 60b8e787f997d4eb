/**
 * Paces requests per rate-limit bucket from Okta's X-Rate-Limit-Limit, -Remaining and
 * -Reset answers, so a run uses the whole limit and never crosses it: a request starts
 * while the remaining budget exceeds the requests already in flight, otherwise it
 * waits for the window to reset. Until a bucket's first answer is known, one request
 * probes it alone; a bucket answering without the headers is not paced at all.
 */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** When the window resets, in local epoch milliseconds. */
  resetAt: number;
}

interface Bucket {
  limit?: number;
  remaining?: number;
  resetAt?: number;
  inFlight: number;
  unlimited: boolean;
  waiters: (() => void)[];
  timer?: NodeJS.Timeout;
}

/** Answers within this of each other report the same window (Reset has 1 s resolution). */
const SAME_WINDOW_MS = 500;
/** Waiting a little past Reset absorbs the rounding of Reset and Date to whole seconds. */
const RESET_MARGIN_MS = 50;

export class RatePacer {
  private readonly buckets = new Map<string, Bucket>();
  /** Requests that had to wait for a window to reset. */
  waits = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string): Promise<void> {
    const b = this.bucket(key);
    let waited = false;
    for (;;) {
      const delay = this.delay(b);
      if (delay === 0) {
        b.inFlight += 1;
        if (waited) this.waits += 1;
        return;
      }
      waited = true;
      await new Promise<void>((resolve) => {
        b.waiters.push(resolve);
        if (Number.isFinite(delay) && !b.timer) {
          b.timer = setTimeout(() => {
            b.timer = undefined;
            this.wake(b);
          }, delay);
        }
      });
    }
  }

  /** Ends one request: `info` from its answer, null for an answer without the headers, 'failed' for none. */
  release(key: string, info: RateLimitInfo | null | 'failed'): void {
    const b = this.bucket(key);
    b.inFlight = Math.max(0, b.inFlight - 1);
    if (info === null) {
      if (b.limit === undefined) b.unlimited = true;
    } else if (info !== 'failed') {
      b.unlimited = false;
      if (b.resetAt === undefined || info.resetAt > b.resetAt + SAME_WINDOW_MS) {
        b.limit = info.limit;
        b.remaining = info.remaining;
        b.resetAt = info.resetAt;
      } else if (Math.abs(info.resetAt - b.resetAt) <= SAME_WINDOW_MS) {
        b.limit = info.limit;
        b.remaining = Math.min(b.remaining ?? info.remaining, info.remaining);
      }
    }
    this.wake(b);
  }

  /** 0 to start now, a wait in ms until the window resets, or Infinity to wait for an answer. */
  private delay(b: Bucket): number {
    if (b.unlimited) return 0;
    if (b.limit === undefined) return b.inFlight === 0 ? 0 : Number.POSITIVE_INFINITY;
    const now = this.now();
    if (b.resetAt !== undefined && now >= b.resetAt + RESET_MARGIN_MS) {
      // A new window: the full limit, until an answer from it says otherwise.
      b.remaining = b.limit;
      b.resetAt = undefined;
    }
    if ((b.remaining ?? 0) - b.inFlight > 0) return 0;
    return b.resetAt === undefined ? Number.POSITIVE_INFINITY : b.resetAt + RESET_MARGIN_MS - now;
  }

  private wake(b: Bucket): void {
    const waiters = b.waiters.splice(0);
    for (const w of waiters) w();
  }

  private bucket(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { inFlight: 0, unlimited: false, waiters: [] }));
    return b;
  }
}

/** Reads the rate-limit headers; the Date header corrects for a clock that differs by more than its resolution. */
export function rateLimitInfo(get: (name: string) => string | null, localNow = Date.now()): RateLimitInfo | null {
  const limit = Number(get('x-rate-limit-limit'));
  const remaining = Number(get('x-rate-limit-remaining'));
  const reset = Number(get('x-rate-limit-reset'));
  if (!get('x-rate-limit-limit') || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset)) return null;
  const date = Date.parse(get('date') ?? '');
  const skew = Number.isNaN(date) || Math.abs(date - localNow) < 2000 ? 0 : date - localNow;
  return { limit, remaining, resetAt: reset * 1000 - skew };
}
