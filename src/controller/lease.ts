import { hostname } from 'node:os';
import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { kubeApiConfiguration } from '../kube/client.js';
import { loadKubeConfig } from '../kube/config.js';
import { kubeStatus, toProviderError } from '../kube/errors.js';
import { UserError } from '../errors.js';
import type { LeaderElector } from './leader.js';

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does
 * it: the holder renews `renewTime` every retry period; a candidate takes the Lease over
 * only once `renewTime + leaseDurationSeconds` has passed, with a replace carrying the
 * resourceVersion it read, so of two candidates racing exactly one wins (the other gets
 * 409 Conflict).
 *
 * Never two leaders: a leader counts itself leader only until `renewDeadline` (2/3 of the
 * lease duration) after the `renewTime` it last wrote. Others wait the whole duration
 * after that same `renewTime`, so the leader has stepped down (onChange(false)) a third of
 * the duration before anyone can take over. `isLeader()` checks that bound on every call,
 * so it holds even when the event loop stalls and the step-down timer runs late. The
 * bound assumes the replicas' clocks agree to better than that third (NTP-synchronised
 * nodes do).
 */
export interface LeaseElectorOptions {
  /** Kubeconfig file; `$KUBECONFIG` or ~/.kube/config when absent. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** The pod's service account (cannot be combined with kubeconfig or context). */
  inCluster?: boolean | undefined;
  /** Folder a relative kubeconfig path is read from (default: the working directory). */
  baseDir?: string | undefined;
  /** The environment for KUBECONFIG / KUBERNETES_SERVICE_HOST (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
  namespace: string;
  name: string;
  /** This replica's name on the Lease (default: hostname-pid; the pod name in a Deployment). */
  identity?: string | undefined;
  /** Whole seconds, at least 1 (default 15). Renewals every third of it. */
  leaseDurationSeconds?: number | undefined;
  clock?: LeaseClock | undefined;
  /** Where failed attempts and leadership changes are reported (one line each). */
  log?: ((message: string) => void) | undefined;
}

/** Time and timers, injectable so tests can freeze a replica as a crash would. */
export interface LeaseClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: LeaseClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const DEFAULT_LEASE_DURATION_SECONDS = 15;

export function defaultIdentity(): string {
  return `${hostname()}-${process.pid}`;
}

/** A Lease's MicroTime: RFC 3339 with exactly six fractional digits (the API server refuses others). */
export function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/** What one attempt found: leader, or follower of `holder` until `expiresAt`. */
type Outcome = { leader: true; renewedAt: number } | { leader: false; holder: string | undefined; expiresAt: number };

export class LeaseElector implements LeaderElector {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly api: CoordinationV1Api;
  private readonly clock: LeaseClock;
  private readonly log: (message: string) => void;
  private readonly listeners: Array<(leader: boolean) => void> = [];
  private leading = false;
  /** The renewTime this replica last wrote while leading. */
  private renewedAt = 0;
  private started = false;
  private stopped = false;
  private attemptTimer: unknown;
  private deadlineTimer: unknown;
  private inFlight: Promise<void> | undefined;
  private lastOutcome: Outcome | undefined;
  /** Taken by an attempt that was in flight when stop() came: released, never announced. */
  private takenWhileStopping = false;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: LeaseElectorOptions) {
    const seconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 1) throw new UserError(`lease duration must be a whole number of seconds, at least 1 (got ${String(seconds)})`);
    if (!options.namespace) throw new UserError('leader election needs the namespace of its Lease');
    if (!options.name) throw new UserError('leader election needs the name of its Lease');
    this.identity = options.identity || defaultIdentity();
    this.leaseDurationMs = seconds * 1000;
    this.renewDeadlineMs = Math.round((this.leaseDurationMs * 2) / 3);
    this.retryPeriodMs = Math.round(this.leaseDurationMs / 3);
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    const kc = loadKubeConfig({
      kubeconfig: options.kubeconfig,
      context: options.context,
      inCluster: options.inCluster,
      baseDir: options.baseDir ?? process.cwd(),
      ...(options.env ? { env: options.env } : {}),
    });
    // A request that hangs past a retry period is abandoned; the next attempt starts afresh.
    this.requestTimeoutMs = Math.max(this.retryPeriodMs, 1000);
    this.api = new CoordinationV1Api(kubeApiConfiguration(kc, this.requestTimeoutMs));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.tick();
  }

  isLeader(): boolean {
    return this.leading && this.clock.now() < this.renewedAt + this.renewDeadlineMs;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearTimeout(this.attemptTimer);
    this.clock.clearTimeout(this.deadlineTimer);
    await this.inFlight;
    const held = this.leading || this.takenWhileStopping;
    // Stop acting as leader first, then let a standby in without waiting for expiry.
    this.setLeading(false, 'stopping');
    if (!held) return;
    try {
      await this.release();
    } catch (e) {
      this.log(`lease ${this.where()}: release failed, a standby takes over when it expires: ${this.describe(e)}`);
    }
  }

  /** Status code and reason only: never the request, whose headers carry the credentials. */
  private describe(e: unknown): string {
    return toProviderError('kubernetes', 'Lease request', e, (t) => t, this.requestTimeoutMs).message;
  }

  private where(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  /** One attempt, then the next one scheduled: a retry period after this one began, or at the holder's expiry if sooner. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const began = this.clock.now();
    this.inFlight = this.attempt(began);
    await this.inFlight;
    this.inFlight = undefined;
    if (this.stopped) return;
    this.attemptTimer = this.clock.setTimeout(() => void this.tick(), this.nextDelay(began));
  }

  private nextDelay(began: number): number {
    const now = this.clock.now();
    let at = began + this.retryPeriodMs;
    const o = this.lastOutcome;
    if (o && !o.leader) at = Math.min(at, o.expiresAt + 1);
    return Math.max(0, at - now);
  }

  private async attempt(began: number): Promise<void> {
    try {
      const outcome = await this.acquireOrRenew();
      this.lastOutcome = outcome;
      if (this.stopped && outcome.leader) {
        if (!this.leading) this.takenWhileStopping = true;
        return;
      }
      if (outcome.leader) {
        this.renewedAt = outcome.renewedAt;
        this.armDeadline();
        this.setLeading(true, 'acquired');
      } else if (this.leading) {
        this.setLeading(false, `lease is held by ${outcome.holder ?? 'nobody'}`);
      }
    } catch (e) {
      this.lastOutcome = undefined;
      // A leader keeps trying until its renew deadline; the deadline timer steps it down.
      this.log(`lease ${this.where()}: ${this.leading ? 'renew' : 'acquire'} attempt at ${new Date(began).toISOString()} failed: ${this.describe(e)}`);
    }
  }

  private armDeadline(): void {
    this.clock.clearTimeout(this.deadlineTimer);
    const wait = Math.max(0, this.renewedAt + this.renewDeadlineMs - this.clock.now());
    this.deadlineTimer = this.clock.setTimeout(() => {
      if (!this.leading) return;
      // Timers may fire a millisecond early: check again rather than trust the schedule.
      if (this.isLeader()) this.armDeadline();
      else this.setLeading(false, `not renewed within ${this.renewDeadlineMs} ms`);
    }, wait + 1);
  }

  private setLeading(leading: boolean, why: string): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (!leading) this.clock.clearTimeout(this.deadlineTimer);
    this.log(`lease ${this.where()}: ${this.identity} ${leading ? 'became leader' : 'stepped down'} (${why})`);
    for (const l of this.listeners) l(leading);
  }

  /** client-go's tryAcquireOrRenew: read; create when absent; follow a live holder; else write with the read resourceVersion. */
  private async acquireOrRenew(): Promise<Outcome> {
    const { namespace, name } = this.options;
    const seconds = this.leaseDurationMs / 1000;
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ namespace, name });
    } catch (e) {
      if (kubeStatus(e)?.code !== 404) throw e;
      const now = this.clock.now();
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        await this.api.createNamespacedLease({ namespace, body });
        return { leader: true, renewedAt: now };
      } catch (err) {
        if (kubeStatus(err)?.code === 409) return { leader: false, holder: undefined, expiresAt: now };
        throw err;
      }
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity || undefined;
    const mine = holder === this.identity;
    if (holder && !mine) {
      const renewed = timeOf(spec.renewTime) ?? timeOf(spec.acquireTime);
      const expiresAt = renewed === undefined ? 0 : renewed + (spec.leaseDurationSeconds ?? seconds) * 1000;
      if (this.clock.now() < expiresAt) return { leader: false, holder, expiresAt };
    }
    const now = this.clock.now();
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: seconds,
        acquireTime: mine && spec.acquireTime ? microTime(timeOf(spec.acquireTime) ?? now) : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      await this.api.replaceNamespacedLease({ namespace, name, body });
      return { leader: true, renewedAt: now };
    } catch (e) {
      // Someone wrote the Lease since it was read: they won this round.
      if (kubeStatus(e)?.code === 409) return { leader: false, holder, expiresAt: now };
      throw e;
    }
  }

  /** client-go's ReleaseOnCancel: holder cleared, a one-second duration, only if the Lease is still ours. */
  private async release(): Promise<void> {
    const { namespace, name } = this.options;
    const current = await this.api.readNamespacedLease({ namespace, name });
    const spec = current.spec ?? {};
    if (spec.holderIdentity !== this.identity) return;
    const now = this.clock.now();
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: spec.leaseTransitions ?? 0,
      },
    };
    await this.api.replaceNamespacedLease({ namespace, name, body });
    this.log(`lease ${this.where()}: released by ${this.identity}`);
  }
}

/** The client hands MicroTime back as the server's string (it has no deserializer for it), or a Date. */
function timeOf(v: unknown): number | undefined {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
