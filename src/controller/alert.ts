import type { Logger } from '../logger.js';
import { redactor } from '../policy/secrets.js';

export interface Alert {
  kind: 'guard_halt' | 'cycle_failed';
  message: string;
  /** What triggered the run: a cycle, or HR event ids. */
  trigger: string;
  planChecksum?: string | null;
  violations?: unknown[];
  time: string;
}

/** Raises an alert: always a log line; a JSON POST when an alert webhook is configured. Never throws. */
export async function raiseAlert(alert: Alert, opts: { url?: string | undefined; log: Logger }): Promise<void> {
  opts.log.warn(`ALERT ${alert.kind}: ${alert.message}`);
  if (!opts.url) return;
  try {
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: redactor.redact(JSON.stringify({ source: 'lockstep', ...alert })),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) opts.log.warn(`alert webhook answered HTTP ${res.status}`);
  } catch (e) {
    opts.log.warn(`alert webhook failed: ${(e as Error).message}`);
  }
}
