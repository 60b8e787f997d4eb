/** Calendar arithmetic for the generator: every date is an offset from `now`, in UTC. */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

// Formatting half a million sign-in times through Date#toISOString dominates a large
// generation; days repeat, so each day's prefix is formatted once.
const dayPrefix = new Map<number, string>();
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `2026-11-19` for the UTC day containing `ms`. */
export function isoDate(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayPrefix.set(day, prefix);
  }
  return prefix;
}

/** `2026-11-19T17:42:00Z`: whole seconds, as identity providers report sign-ins. */
export function isoDateTime(ms: number): string {
  const seconds = Math.floor((ms - Math.floor(ms / DAY_MS) * DAY_MS) / 1000);
  return [isoDate(ms), 'T', pad2(Math.floor(seconds / 3600)), ':', pad2(Math.floor(seconds / 60) % 60), ':', pad2(seconds % 60), 'Z'].join('');
}

/**
 * Instants a whole number of minutes before `now`, formatted once each: generated
 * accounts share a few hundred thousand distinct sign-in minutes at most, and shared
 * strings keep a large organisation's memory (and garbage collection) in check.
 */
export class MinutesAgo {
  private readonly cache = new Map<number, string>();
  constructor(private readonly now: Date) {}
  format(minutes: number): string {
    let s = this.cache.get(minutes);
    if (s === undefined) {
      s = isoDateTime(this.now.getTime() - minutes * MINUTE_MS);
      this.cache.set(minutes, s);
    }
    return s;
  }
}

/** The ISO date `days` before `now` (negative: after). */
export function daysBefore(now: Date, days: number): string {
  return isoDate(now.getTime() - days * DAY_MS);
}
