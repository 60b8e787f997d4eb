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
});
