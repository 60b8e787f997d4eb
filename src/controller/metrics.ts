import diagnostics from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApplyReport } from '../apply/report.js';
import type { Plan } from '../types/index.js';

/**
 * The controller's Prometheus metrics, in a registry of their own. Labels carry provider
 * names, actions, results and tiers only: never an account, a person or a credential.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly mttrevoke = new Histogram({
    name: 'lockstep_mttrevoke_seconds',
    help: 'Seconds from HR event receipt (or the roster end date) to containment confirmed in every provider',
    labelNames: ['tier'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 86400],
    registers: [this.registry],
  });
  readonly formerWithAccess = new Gauge({
    name: 'lockstep_former_with_access',
    help: 'Former people who still hold access, from the last plan',
    registers: [this.registry],
  });
  readonly guardHalts = new Counter({ name: 'lockstep_guard_halts_total', help: 'Applies halted by the guard', registers: [this.registry] });
  readonly changesApplied = new Counter({
    name: 'lockstep_changes_applied_total',
    help: 'Changes carried out, by action and result',
    labelNames: ['action', 'result'],
    registers: [this.registry],
  });
  readonly driftCorrected = new Counter({
    name: 'lockstep_drift_corrected_total',
    help: 'Drift changes (made behind the policy) corrected',
    registers: [this.registry],
  });
  readonly providerRequests = new Counter({
    name: 'lockstep_provider_requests_total',
    help: 'Provider API requests, by provider and HTTP status',
    labelNames: ['provider', 'status'],
    registers: [this.registry],
  });
  readonly cycleFailures = new Counter({ name: 'lockstep_cycle_failures_total', help: 'Cycles that failed before or during apply', registers: [this.registry] });
  readonly lastSuccess = new Gauge({
    name: 'lockstep_last_successful_run_timestamp_seconds',
    help: 'Unix time of the last cycle that completed without a failed change',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts a plan's findings. */
  observePlan(plan: Plan): void {
    this.formerWithAccess.set(plan.findings.filter((f) => f.kind === 'former_with_access').length);
  }

  /** Counts an apply's outcomes; returns the number of drift changes corrected. */
  observeReport(report: ApplyReport): number {
    if (report.halted) {
      this.guardHalts.inc();
      return 0;
    }
    let drift = 0;
    for (const r of report.results) {
      this.changesApplied.inc({ action: r.change.action, result: r.result });
      if (r.change.reason.kind === 'drift' && (r.result === 'ok' || r.result === 'already')) drift++;
    }
    this.driftCorrected.inc(drift);
    return drift;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** `host:port` of every http(s) URL in Config connections, by provider name. */
export function providerHosts(connections: Record<string, Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, conn] of Object.entries(connections)) {
    for (const value of Object.values(conn)) {
      if (typeof value !== 'string' || !/^https?:\/\//.test(value)) continue;
      try {
        const u = new URL(value);
        out.set(hostKey(u.protocol, u.hostname, u.port), name);
      } catch {
        // not a URL after all
      }
    }
  }
  return out;
}

function hostKey(protocol: string, hostname: string, port: string | number | undefined): string {
  const p = port === undefined || port === '' || port === null ? (protocol === 'https:' ? '443' : '80') : String(port);
  return `${hostname.replace(/^\[|\]$/g, '').toLowerCase()}:${p}`;
}

/**
 * Counts every outgoing HTTP request by its response status, through Node's diagnostics
 * channels: `http.client.response.finish` for the http/https client (the SDKs on
 * node-fetch, gaxios, axios) and `undici:request:headers` for fetch. The host is mapped
 * to a provider name; unknown hosts count as `other`. Returns the unsubscribe.
 */
export function countProviderRequests(metrics: ControllerMetrics, hosts: () => ReadonlyMap<string, string>): () => void {
  const count = (key: string, status: number) => metrics.providerRequests.inc({ provider: hosts().get(key) ?? 'other', status: String(status) });
  const onHttp = (msg: unknown) => {
    const { request, response } = msg as {
      request: { protocol?: string; host?: string; getHeader?(n: string): unknown; socket?: { remotePort?: number } };
      response: { statusCode?: number };
    };
    const hostHeader = String(request.getHeader?.('host') ?? request.host ?? '');
    const [h, p] = splitHost(hostHeader);
    count(hostKey(request.protocol ?? 'http:', h, p ?? request.socket?.remotePort), response.statusCode ?? 0);
  };
  const onUndici = (msg: unknown) => {
    const { request, response } = msg as { request: { origin?: string }; response: { statusCode?: number } };
    let key = 'unknown';
    try {
      const u = new URL(String(request.origin));
      key = hostKey(u.protocol, u.hostname, u.port);
    } catch {
      // no origin: counted as other
    }
    count(key, response.statusCode ?? 0);
  };
  diagnostics.subscribe('http.client.response.finish', onHttp);
  diagnostics.subscribe('undici:request:headers', onUndici);
  return () => {
    diagnostics.unsubscribe('http.client.response.finish', onHttp);
    diagnostics.unsubscribe('undici:request:headers', onUndici);
  };
}

function splitHost(host: string): [string, string | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return m ? [m[1]!, m[2]] : [host, undefined];
}
