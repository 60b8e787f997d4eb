import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestCounters } from './counters.js';

/**
 * Fault injection shared by every emulator: the failures real identity APIs produce
 * (rate limits, server errors, dropped connections, slowness), switched on at runtime
 * by tests and the sandbox. Works on plain `node:http` and on express, which extends it.
 */
export type Fault =
  /** 429 Too Many Requests; `retryAfter` in seconds, or an HTTP-date string, sent as Retry-After. */
  | { kind: 'rate_limit'; retryAfter?: number | string }
  /** A 5xx answer (500 unless `status` says otherwise), with an optional Retry-After. */
  | { kind: 'server_error'; status?: number; retryAfter?: number | string }
  /** The TCP connection is destroyed without an answer. */
  | { kind: 'reset' };

/** Which requests a rule or latency applies to; omitted fields match everything. */
export interface RequestMatch {
  method?: string;
  /** Equal to the path template (`/Users/{id}`) or the raw path, or a RegExp tested on both. */
  path?: string | RegExp;
}

export interface FaultRule extends RequestMatch {
  fault: Fault;
  /** Fires for the next N matching requests; 1 when neither `times` nor `fraction` is given. */
  times?: number;
  /** Fires for this share of matching requests, spread evenly (0.25 fires on every 4th), until cleared. */
  fraction?: number;
  /**
   * The request takes effect and only its answer is replaced by the fault: the client
   * cannot tell whether the change happened (the case idempotent retries exist for).
   */
  afterEffect?: boolean;
}

export interface LatencyRule extends RequestMatch {
  ms: number;
}

export interface FaultSettings {
  /** Added before every matching request is handled: a number applies to all requests. */
  latency?: number | LatencyRule | LatencyRule[];
  rules?: FaultRule[];
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  credit: number;
}

export interface EndpointRef {
  method: string;
  /** The route with ids replaced, e.g. `/Users/{id}`. */
  template: string;
  /** The raw request path without the query. */
  path: string;
}

/** Renders the emulated API's own error body for a fault answer. */
export type ErrorRenderer = (status: number, detail: string) => { contentType: string; body: string };

/** Holds the faults currently switched on. Decisions are deterministic: no randomness. */
export class FaultController {
  private active: ActiveRule[] = [];
  private latency: LatencyRule[] = [];
  /** Faults answered so far (latency not counted). */
  injected = 0;

  /** Replaces every fault and latency setting. */
  set(settings: FaultSettings): void {
    this.active = (settings.rules ?? []).map(activate);
    const l = settings.latency;
    this.latency = l === undefined ? [] : typeof l === 'number' ? [{ ms: l }] : Array.isArray(l) ? [...l] : [l];
  }

  add(rule: FaultRule): void {
    this.active.push(activate(rule));
  }

  clear(): void {
    this.active = [];
    this.latency = [];
  }

  /** True while some rule can still fire. */
  get armed(): boolean {
    return this.active.some((a) => a.remaining > 0);
  }

  /** The latency and the fault (if any) for one request; consumes the fault. */
  decide(endpoint: EndpointRef): { latencyMs: number; rule?: FaultRule } {
    const latencyMs = this.latency.filter((l) => matches(l, endpoint)).reduce((sum, l) => sum + l.ms, 0);
    for (const a of this.active) {
      if (a.remaining <= 0 || !matches(a.rule, endpoint)) continue;
      if (a.rule.fraction !== undefined) {
        a.credit += a.rule.fraction;
        if (a.credit < 1) continue;
        a.credit -= 1;
      } else {
        a.remaining -= 1;
      }
      this.injected += 1;
      return { latencyMs, rule: a.rule };
    }
    return { latencyMs };
  }
}

function activate(rule: FaultRule): ActiveRule {
  const remaining = rule.fraction !== undefined ? Number.POSITIVE_INFINITY : (rule.times ?? 1);
  return { rule, remaining, credit: 0 };
}

function matches(m: RequestMatch, e: EndpointRef): boolean {
  if (m.method && m.method.toUpperCase() !== e.method.toUpperCase()) return false;
  if (m.path === undefined) return true;
  if (typeof m.path === 'string') return m.path === e.template || m.path === e.path;
  return m.path.test(e.template) || m.path.test(e.path);
}

/** The HTTP status a fault answers with (0 for a reset, which sends none). */
export function faultStatus(fault: Fault): number {
  if (fault.kind === 'rate_limit') return 429;
  if (fault.kind === 'server_error') return fault.status ?? 500;
  return 0;
}

/** The message of a fault's error body. */
export function faultDetail(fault: Fault): string {
  return fault.kind === 'rate_limit' ? 'Too many requests' : 'Service unavailable (injected fault)';
}

function writeFault(res: ServerResponse, fault: Fault, render: ErrorRenderer, end: (body: string) => void): void {
  if (fault.kind === 'reset') {
    res.socket?.destroy();
    return;
  }
  const status = faultStatus(fault);
  const { contentType, body } = render(status, faultDetail(fault));
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
  end(body);
}

/**
 * Counts the request, waits out any latency and answers with a fault when one is due.
 * Returns true when the request has been answered (the caller must not handle it).
 * An `afterEffect` fault lets the caller handle the request and replaces its answer:
 * handlers must answer with `res.end` (headers not flushed before it), as express does.
 */
export async function interceptFaults(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: EndpointRef,
  controls: { faults: FaultController; counters: RequestCounters; onFault?: () => void },
  render: ErrorRenderer,
): Promise<boolean> {
  controls.counters.hit(endpoint.method, endpoint.template);
  const { latencyMs, rule } = controls.faults.decide(endpoint);
  if (latencyMs > 0) await sleep(latencyMs);
  if (!rule) return false;
  controls.onFault?.();
  if (!rule.afterEffect) {
    if (rule.fault.kind === 'reset') req.socket.destroy();
    else writeFault(res, rule.fault, render, (body) => res.end(body));
    return true;
  }
  const end = res.end.bind(res) as (body?: string) => ServerResponse;
  res.end = ((): ServerResponse => {
    writeFault(res, rule.fault, render, (body) => end(body));
    return res;
  }) as typeof res.end;
  return false;
}
