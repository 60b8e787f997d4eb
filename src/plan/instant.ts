/**
 * Epoch milliseconds of an observed timestamp, as Date.parse gives them. Providers write
 * `YYYY-MM-DDTHH:MM:SSZ` (optionally with milliseconds); that shape is read here by hand
 * because Date.parse costs about a microsecond, which is half a second over the accounts
 * of 100,000 people. Only fields well inside their ranges take this path (days up to 28,
 * so no month-length question arises); anything else goes to Date.parse.
 */
export function parseObservedInstant(s: string): number {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(n - 1) !== Z) return Date.parse(s);
  if (s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH || s.charCodeAt(10) !== T || s.charCodeAt(13) !== COLON || s.charCodeAt(16) !== COLON) {
    return Date.parse(s);
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  let ms = 0;
  if (n === 24) {
    if (s.charCodeAt(19) !== DOT) return Date.parse(s);
    ms = digits(s, 20, 3);
  }
  // Date.UTC reads years 0 to 99 as 1900 to 1999.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) {
    return Date.parse(s);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

const Z = 90;
const T = 84;
const DASH = 45;
const COLON = 58;
const DOT = 46;

/** The decimal number in `count` digits at `at`; -1 when any is not a digit. */
function digits(s: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
