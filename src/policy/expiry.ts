import { parseInstant } from './time.js';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The first instant at which something that "expires" on a date no longer holds. A bare
 * date is valid through that whole day (UTC): `expires: 2026-12-15` stops protecting at
 * 2026-12-16T00:00:00Z. A date-time is exact. loadPolicy guarantees the value parses.
 */
export function expiryInstant(value: string): number {
  let at: number;
  try {
    at = parseInstant(value);
  } catch {
    return Number.NEGATIVE_INFINITY; // unparseable: treat as expired (fail closed); loadPolicy reports it
  }
  return DATE_ONLY.test(value) ? at + DAY_MS : at;
}
