/**
 * Durations and instants as the policy and roster write them. Pure: nothing here reads
 * the clock, so every plan stays a function of its `now`.
 */

const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
} as const;

const DURATION = /^([0-9]+)(s|m|h|d|w)$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
/** RFC 3339 date-time: the offset is required, so an instant never depends on the machine's zone. */
const DATE_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$/;

/** Whether `text` is a duration such as `0h`, `15m`, `7d`, `2w`. */
export function isValidDuration(text: string): boolean {
  return DURATION.test(text);
}

/** `7d` -> 604800000. Throws a RangeError for anything else (validated policies never do). */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new RangeError(`invalid duration "${text}": expected a number and a unit (s, m, h, d, w), e.g. 7d`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validCalendarDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Epoch ms of a date or date-time, or null when it is not one or names an impossible day. */
function instantOrNull(text: string): number | null {
  const d = DATE.exec(text);
  if (d) {
    const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    return validCalendarDay(year, month, day) ? Date.UTC(year, month - 1, day) : null;
  }
  const t = DATE_TIME.exec(text);
  if (!t) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(t[i])) as [number, number, number, number, number, number];
  if (!validCalendarDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const fraction = t[7] ? Math.floor(Number(`0${t[7]}`) * 1000) : 0;
  let offsetMin = 0;
  if (t[9]) {
    const [oh, om] = [Number(t[10]), Number(t[11])];
    if (oh > 23 || om > 59) return null;
    offsetMin = (t[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, fraction) - offsetMin * 60_000;
}

/** Whether `text` is an ISO date (2026-12-15) or a date-time with offset naming a real instant. */
export function isValidDate(text: string): boolean {
  return instantOrNull(text) !== null;
}

/**
 * `2026-12-15` -> 00:00:00 UTC that day; `2026-12-15T10:00:00+02:00` -> that instant.
 * Throws a RangeError for malformed text or impossible dates such as 2026-02-30.
 */
export function parseInstant(text: string): number {
  const ms = instantOrNull(text);
  if (ms === null) {
    throw new RangeError(`invalid date "${text}": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (a real calendar date)`);
  }
  return ms;
}

/** ISO 8601 in UTC; milliseconds only when there are any (`2026-12-15T00:00:00Z`). */
export function formatIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
