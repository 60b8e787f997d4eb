import { oktaRateBucket, PUBLISHED_LIMITS } from '../rate-buckets.js';

/**
 * Okta-style rate limits: each endpoint bucket (providers/okta/rate-buckets.ts) allows
 * its own number of requests per fixed window; every answer carries X-Rate-Limit-Limit,
 * -Remaining and -Reset (the epoch second the window ends), and a request over the
 * limit is answered 429 E0000047 with those headers and no Retry-After, as Okta answers
 * it: the client waits until Reset. Windows are aligned to multiples of `windowMs` since
 * the epoch, as Okta's per-minute windows are, so Reset is exact for whole-second windows.
 */
export interface RateLimitSettings {
  /** Requests per window in a bucket `buckets` does not name. */
  limit: number;
  windowMs: number;
  /** Requests per window by bucket; without it every bucket allows `limit`. */
  buckets?: Readonly<Record<string, number>>;
}

/** Okta's published per-minute limits, bucket by bucket; 1,200 (most other API actions) elsewhere. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { limit: 1200, windowMs: 60_000, buckets: PUBLISHED_LIMITS };

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/** The bucket of a request path (a GET unless `method` says otherwise), for reports that count by path. */
export function rateLimitBucket(path: string, method = 'GET'): string {
  return oktaRateBucket(method, path);
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();
  /** Requests refused with 429 so far. */
  rejected = 0;

  constructor(public settings: RateLimitSettings) {}

  /** The limit of one bucket under the current settings. */
  limitOf(bucket: string): number {
    return this.settings.buckets?.[bucket] ?? this.settings.limit;
  }

  take(bucket: string, now = Date.now()): RateLimitDecision {
    const { windowMs } = this.settings;
    const limit = this.limitOf(bucket);
    const start = Math.floor(now / windowMs) * windowMs;
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) this.windows.set(bucket, (w = { start, used: 0 }));
    const allowed = w.used < limit;
    if (allowed) w.used += 1;
    else this.rejected += 1;
    return {
      allowed,
      headers: {
        'X-Rate-Limit-Limit': String(limit),
        'X-Rate-Limit-Remaining': String(Math.max(0, limit - w.used)),
        'X-Rate-Limit-Reset': String(Math.ceil((start + windowMs) / 1000)),
      },
    };
  }

  reset(): void {
    this.windows.clear();
    this.rejected = 0;
  }
}
