/**
 * Okta-style rate limits: each endpoint bucket allows `limit` requests per fixed window;
 * every answer carries X-Rate-Limit-Limit, -Remaining and -Reset (the epoch second the
 * window ends), and a request over the limit is answered 429 E0000047. Windows are
 * aligned to multiples of `windowMs` since the epoch, as Okta's per-minute windows are,
 * so Reset is exact for whole-second windows.
 */
export interface RateLimitSettings {
  /** Requests per window in each bucket. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { limit: 600, windowMs: 60_000 };

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/**
 * The bucket of a request path: the collection (`/api/v1/users`) and the single
 * resource with everything beneath it (`/api/v1/users/{id}`) are separate buckets, as
 * in Okta's published limits; the token endpoint is its own bucket.
 */
export function rateLimitBucket(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'oauth2') return `/${parts.join('/')}`;
  return parts.length > 3 ? `/${parts.slice(0, 3).join('/')}/{id}` : `/${parts.join('/')}`;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();
  /** Requests refused with 429 so far. */
  rejected = 0;

  constructor(public settings: RateLimitSettings) {}

  take(bucket: string, now = Date.now()): RateLimitDecision {
    const { limit, windowMs } = this.settings;
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
