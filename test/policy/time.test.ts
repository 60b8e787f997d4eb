import { describe, expect, it } from 'vitest';
import { formatIso, isValidDate, isValidDuration, parseDuration, parseInstant } from '../../src/policy/time.js';

describe('parseDuration', () => {
  it.each([
    ['0h', 0],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isValidDuration(text)).toBe(true);
  });

  it.each(['', '7', 'd', '7 d', '1.5h', '-1d', '7D', '1y'])('refuses %j', (text) => {
    expect(isValidDuration(text)).toBe(false);
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});

describe('parseInstant', () => {
  it('reads a bare date as 00:00:00 UTC that day', () => {
    expect(parseInstant('2026-12-15')).toBe(Date.UTC(2026, 11, 15));
  });

  it('reads date-times with Z, offsets and fractions', () => {
    expect(parseInstant('2026-12-15T10:00:00Z')).toBe(Date.UTC(2026, 11, 15, 10));
    expect(parseInstant('2026-12-15T12:30:00+02:30')).toBe(Date.UTC(2026, 11, 15, 10));
    expect(parseInstant('2026-12-15T05:00:00-05:00')).toBe(Date.UTC(2026, 11, 15, 10));
    expect(parseInstant('2026-12-15T10:00:00.250Z')).toBe(Date.UTC(2026, 11, 15, 10, 0, 0, 250));
  });

  it('knows leap years', () => {
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2100-02-29')).toBe(false);
    expect(isValidDate('2000-02-29')).toBe(true);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-00-10', '2026-04-31', '2026-12-15T24:00:00Z', '2026-12-15T10:00:00', '2026-12-15 10:00:00Z', '15/12/2026', 'tomorrow', ''])(
    'refuses %j',
    (text) => {
      expect(isValidDate(text)).toBe(false);
      expect(() => parseInstant(text)).toThrow(/invalid date/);
    },
  );
});

describe('formatIso', () => {
  it('writes UTC, with milliseconds only when there are some', () => {
    expect(formatIso(Date.UTC(2026, 11, 15))).toBe('2026-12-15T00:00:00Z');
    expect(formatIso(Date.UTC(2026, 11, 15, 10, 0, 0, 250))).toBe('2026-12-15T10:00:00.250Z');
    expect(formatIso(parseInstant('2026-12-15T12:00:00+02:00'))).toBe('2026-12-15T10:00:00Z');
  });
});
