import { createHmac, timingSafeEqual } from 'node:crypto';
import { schemaIssues } from '../policy/schemas.js';
import type { HrEvent } from '../types/index.js';

/** How far a signed timestamp may be from the controller's clock, either side. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

/** The signature header's value for a body: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export function signEvent(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type Verdict = { status: 202; event: HrEvent } | { status: 400 | 401 | 409; error: string; issues?: string[] };

/**
 * Event ids seen within the replay window. Anything older than the window is refused by
 * its timestamp, so ids are forgotten once their timestamp leaves it.
 */
export class SeenEvents {
  private readonly seen = new Map<string, number>();

  has(id: string, nowMs: number): boolean {
    this.forget(nowMs);
    return this.seen.has(id);
  }

  add(id: string, timestampMs: number): void {
    this.seen.set(id, timestampMs);
  }

  get size(): number {
    return this.seen.size;
  }

  private forget(nowMs: number): void {
    for (const [id, at] of this.seen) if (at < nowMs - REPLAY_WINDOW_MS) this.seen.delete(id);
  }
}

/**
 * Checks one webhook delivery: the signature over timestamp and raw body (constant-time),
 * the timestamp within the replay window, the body against the HR event schema, and the
 * event id not seen before. An accepted event's id is remembered. Messages never repeat
 * the secret or the signature.
 */
export function verifyEvent(
  req: { timestamp: string | undefined; signature: string | undefined; body: Buffer },
  secret: string,
  seen: SeenEvents,
  nowMs: number,
): Verdict {
  const { timestamp, signature, body } = req;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { status: 401, error: 'missing or malformed X-Lockstep-Timestamp' };
  if (!signature) return { status: 401, error: 'missing X-Lockstep-Signature' };
  const expected = Buffer.from(signEvent(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401, error: 'bad signature' };
  const tsMs = Number(timestamp) * 1000;
  if (Math.abs(nowMs - tsMs) > REPLAY_WINDOW_MS) return { status: 401, error: 'timestamp outside the replay window' };

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, error: 'body is not JSON' };
  }
  const issues = schemaIssues('hr-event', parsed);
  if (issues.length) {
    return { status: 400, error: 'body is not a valid HR event', issues: issues.map((i) => `${['', ...i.path].join('/') || '/'}: ${i.message}`) };
  }
  const event = parsed as HrEvent;
  if (seen.has(event.id, nowMs)) return { status: 409, error: `event ${event.id} was already received` };
  seen.add(event.id, tsMs);
  return { status: 202, event };
}
