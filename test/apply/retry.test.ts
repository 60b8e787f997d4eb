import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { retryDelay, withRetry } from '../../src/apply/retry.js';

const transient = (retryAfterMs?: number) => new ProviderError('okta', 'slow down', { status: 429, transient: true, retryAfterMs });

describe('retryDelay', () => {
  it('is full jitter over an exponential window capped at maxMs', () => {
    const b = { baseMs: 200, maxMs: 1_000 };
    expect(retryDelay(1, transient(), b, () => 0.999)).toBe(199);
    expect(retryDelay(3, transient(), b, () => 0.5)).toBe(400);
    expect(retryDelay(10, transient(), b, () => 0.999)).toBe(999);
    expect(retryDelay(2, transient(), b, () => 0)).toBe(0);
  });

  it('never waits less than Retry-After, even above maxMs', () => {
    expect(retryDelay(1, transient(5_000), { baseMs: 200, maxMs: 1_000 }, () => 0.5)).toBe(5_000);
  });
});

describe('withRetry', () => {
  it('retries transient errors up to the bound, then throws the last', async () => {
    let calls = 0;
    const fail = () => {
      calls++;
      return Promise.reject(transient());
    };
    await expect(withRetry(fail, { retries: 3, baseMs: 1, maxMs: 2 })).rejects.toThrow('slow down');
    expect(calls).toBe(4);
  });

  it('does not retry permanent provider errors or other errors', async () => {
    let calls = 0;
    const permanent = () => {
      calls++;
      return Promise.reject(new ProviderError('okta', 'forbidden', { status: 403 }));
    };
    await expect(withRetry(permanent, { retries: 3 })).rejects.toThrow('forbidden');
    await expect(withRetry(() => Promise.reject(new TypeError('bug')), { retries: 3 })).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('returns once an attempt succeeds and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const flaky = async () => {
      if (++calls < 3) throw transient(7);
      return 'done';
    };
    expect(await withRetry(flaky, { retries: 5, baseMs: 1, maxMs: 2, onRetry: (_e, _a, ms) => waits.push(ms) })).toBe('done');
    expect(waits).toEqual([7, 7]);
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stopped')), 10);
    await expect(withRetry(() => Promise.reject(transient(60_000)), { retries: 1, signal: ac.signal })).rejects.toThrow('stopped');
  });
});
