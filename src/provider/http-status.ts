/** HTTP answers every provider reads the same way. */

/** 408, 429 and 5xx are worth retrying: the request may well succeed later. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds from now. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
