/** Calendar arithmetic for the generator: every date is an offset from `now`, in UTC. */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** `2026-11-19` for the UTC day containing `ms`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-11-19T17:42:00Z`: whole seconds, as identity providers report sign-ins. */
export function isoDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The ISO date `days` before `now` (negative: after). */
export function daysBefore(now: Date, days: number): string {
  return isoDate(now.getTime() - days * DAY_MS);
}
