import { ProviderError } from '../errors.js';

export interface Backoff {
  /** First retry waits up to this long (full jitter). */
  baseMs: number;
  /** No computed wait exceeds this (a server's Retry-After may). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 10_000 };

export interface RetryOptions extends Partial<Backoff> {
  /** Retries after the first attempt; 0 means a single attempt. */
  retries: number;
  signal?: AbortSignal | undefined;
  /** Called before each wait, for progress output. */
  onRetry?: ((error: ProviderError, attempt: number, delayMs: number) => void) | undefined;
  /** In [0, 1); replaceable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * The wait before retry number `attempt` (1-based): full jitter over an exponential
 * window, `random × min(maxMs, baseMs × 2^(attempt-1))`, and never less than the
 * server's Retry-After. Full jitter spreads concurrent callers that failed together.
 */
export function retryDelay(attempt: number, error: ProviderError, backoff: Backoff, random: () => number = Math.random): number {
  const window = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * window);
  return Math.max(jittered, error.retryAfterMs ?? 0);
}

export function isRetryable(error: unknown): error is ProviderError {
  return error instanceof ProviderError && error.transient;
}

/**
 * Runs `fn`, retrying only transient provider errors (429, 5xx, resets), at most
 * `retries` times. Anything else, or the last transient error, is thrown unchanged.
 * An abort stops the waiting and throws the signal's reason.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const backoff: Backoff = { baseMs: opts.baseMs ?? DEFAULT_BACKOFF.baseMs, maxMs: opts.maxMs ?? DEFAULT_BACKOFF.maxMs };
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isRetryable(e) || attempt >= opts.retries) throw e;
      const delay = retryDelay(attempt + 1, e, backoff, opts.random);
      opts.onRetry?.(e, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
