import { describe, expect, it } from 'vitest';
import { parseObservedInstant } from '../../src/plan/instant.js';

describe('parseObservedInstant', () => {
  it('agrees with Date.parse on the shapes providers write and on everything else', () => {
    const samples = [
      '2026-11-17T04:47:00Z',
      '2026-11-17T04:47:00.123Z',
      '1969-12-31T23:59:59Z',
      '0099-01-01T00:00:00Z',
      '0100-01-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-17T24:00:00Z',
      '2026-11-17 04:47:00Z',
      '2026-11-17T04:47:00+01:00',
      '2026-11-17T04:47:0aZ',
      '2026-11-17T04:47:00.12Z',
      '2026-11-17',
      'not a date',
      '',
    ];
    for (let t = -62_000_000_000_000; t < 4_000_000_000_000; t += 999_999_937_123) {
      const iso = new Date(t).toISOString();
      samples.push(iso, `${iso.slice(0, 19)}Z`);
    }
    for (const s of samples) expect([s, parseObservedInstant(s)]).toEqual([s, Date.parse(s)]);
  });

  it('agrees with Date.parse on every day of leap and common years, and on days a month does not have', () => {
    const pad = (v: number, w: number) => String(v).padStart(w, '0');
    const wrong: string[] = [];
    for (const year of [0, 1, 4, 99, 100, 400, 1600, 1900, 1970, 2000, 2023, 2024, 2026, 2100, 2400, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad((day * 7) % 24, 2)}:${pad((day * 13) % 60, 2)}:${pad((month * 11) % 60, 2)}Z`;
          const withMs = `${s.slice(0, 19)}.${pad((day * 37) % 1000, 3)}Z`;
          for (const x of [s, withMs]) {
            const got = parseObservedInstant(x);
            if (!Object.is(got, Date.parse(x))) wrong.push(`${x}: ${got} (Date.parse ${Date.parse(x)})`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(parseObservedInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    // Days a month does not have are Date.parse's to judge (V8 rolls them over), as the loop checks.
    expect(parseObservedInstant('2026-02-29T00:00:00Z')).toBe(Date.parse('2026-02-29T00:00:00Z'));
  });
});
