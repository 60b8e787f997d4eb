import { ExitCode, formatProblem, UserError } from '../errors.js';
import { loadPlanningPolicy, planContainment, planToApplyNow, type PlanningWorld } from '../run/plan-run.js';
import type { Policy } from '../policy/model.js';
import { redactor } from '../policy/secrets.js';
import type { Logger } from '../logger.js';
import { containsNow, pendingOf, personOf, type PendingEvent } from '../roster/hr-overlay.js';
import type { Signer } from '../types/signing.js';
import { policyKeys } from '../run/keys.js';
import type { StateStore } from '../state/store.js';
import type { ApplyReport } from '../apply/report.js';
import { runApply } from '../run/apply-run.js';
import type { HrEvent, Plan } from '../types/index.js';
import { raiseAlert } from './alert.js';
import { containmentByPerson } from './containment.js';
import type { LeaderElector } from './leader.js';
import type { ControllerMetrics } from './metrics.js';
import type { PolicySource } from './policy-source.js';
import { withApplied } from './known-state.js';

/** How soon an HR event run whose containment did not all succeed is tried again. */
const EVENT_RETRY_MS = 5_000;

/** The store document every cycle writes, so that a replica that takes over (or restarts) knows the last one. */
export const CYCLE_DOCUMENT = 'controller/last-cycle';

export interface ControllerOptions {
  source: PolicySource;
  /** Where the journal, lock, tasks and HR events live: shared by every replica. */
  store: StateStore;
  /** Refuses a policy whose Config names another state store than the one the controller runs on. */
  checkStore?: (policy: Policy) => void;
  peopleFile?: string | undefined;
  intervalMs: number;
  alertUrl?: string | undefined;
  elector: LeaderElector;
  metrics: ControllerMetrics;
  actor: string;
  log: Logger;
  /** Jitter source (0..1), replaceable in tests. */
  random?: () => number;
  /** Told when a cycle has loaded a policy (the provider connections may have changed). */
  onPolicy?: (policy: Policy) => void;
}

/** What the last cycle saw, kept for the HR fast path (which plans without observing). */
interface World extends PlanningWorld {
  signer: Signer | null;
}

/**
 * The reconcile loop (SPEC §12). Every interval, jittered ±10%: pull the policy, plan
 * against live providers, guard, apply, journal, as `apply --auto-approve` would. An HR
 * event is written to the state store before it is acknowledged and stands there, laid
 * over the roster by every plan of every replica and CLI run, until the roster agrees or
 * a later event overrides it: containment survives restarts and failovers. Terminations
 * are contained at once by plans of just the containment of standing leavers, made against
 * the last observed snapshot (the engine re-reads each target before changing it). Every
 * run (cycle or event batch) goes through one queue under the store's apply lock, so runs
 * never overlap, on this replica or any other; only the leader runs.
 */
export class Controller {
  private world: World | null = null;
  /** Roster leavers whose containment was counted (cycle-found, no HR event). */
  private readonly countedLeavers = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private eventRunQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly abort = new AbortController();

  constructor(private readonly opts: ControllerOptions) {
    // A replica that takes over runs a cycle at once rather than at its next tick.
    opts.elector.onChange((leader) => {
      if (leader && this.timer !== null && !this.stopping) void this.cycle();
    });
  }

  /** Ready to serve: a policy has loaded, this replica leads, and it is not shutting down. */
  ready(): boolean {
    return this.world !== null && this.opts.elector.isLeader() && !this.stopping;
  }

  accepting(): boolean {
    return this.opts.elector.isLeader() && !this.stopping;
  }

  /** The last successful cycle any replica recorded, so the metric survives restarts. */
  async restoreCycleState(): Promise<void> {
    const text = await this.opts.store.documents.get(CYCLE_DOCUMENT).catch(() => undefined);
    if (!text) return;
    try {
      const last = JSON.parse(text) as { lastSuccessAt?: string };
      const ms = last.lastSuccessAt ? Date.parse(last.lastSuccessAt) : NaN;
      if (!Number.isNaN(ms)) this.opts.metrics.lastSuccess.set(ms / 1000);
    } catch {
      this.opts.log.warn(`state document ${CYCLE_DOCUMENT} is not JSON; ignored`);
    }
  }

  /** Runs cycles until stopped: the first at once, then every interval. */
  startLoop(): void {
    const tick = () => {
      if (this.stopping) return;
      void this.cycle().finally(() => {
        if (this.stopping) return;
        const jitter = 1 + ((this.opts.random ?? Math.random)() * 0.2 - 0.1);
        this.timer = setTimeout(tick, Math.max(1, Math.round(this.opts.intervalMs * jitter)));
      });
    };
    tick();
  }

  /** One cycle, queued behind any run in flight. Resolves with apply's exit code; never throws. */
  cycle(): Promise<number> {
    return this.serial(() => this.runCycle());
  }

  /**
   * Takes an accepted HR event: written to the state store first (a failure throws, and
   * the webhook answers 503 so the sender retries), then a containing event queues an
   * event run; others wait for the next cycle. A second delivery of a recorded id is a
   * duplicate and changes nothing.
   */
  async accept(event: HrEvent, receivedAt = Date.now()): Promise<{ id: string; status: 'containing' | 'pending_cycle' | 'duplicate' }> {
    if ((await this.opts.store.hrEvents.record(event, receivedAt)) === 'duplicate') {
      this.opts.log.info(`HR event ${event.id} was already recorded; nothing changes`);
      return { id: event.id, status: 'duplicate' };
    }
    const p = pendingOf({ event, receivedAt });
    if (this.world && !personOf(this.world.roster.people, event.person)) {
      this.opts.log.warn(`HR event ${event.id}: nobody in the roster matches the person it names`);
    }
    if (!containsNow(p, receivedAt)) {
      this.opts.log.info(`HR event ${event.id} (${event.type}) recorded; the next cycle handles it`);
      return { id: event.id, status: 'pending_cycle' };
    }
    this.opts.log.info(`HR event ${event.id} (${event.type}) recorded; containing now`);
    this.queueEventRun();
    return { id: event.id, status: 'containing' };
  }

  /** Stops taking work, lets the run in flight finish its change, and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort.abort(new Error('shutting down'));
    await this.queue;
  }

  private queueEventRun(): void {
    if (this.eventRunQueued) return;
    this.eventRunQueued = true;
    void this.serial(async () => {
      this.eventRunQueued = false;
      return this.runEvents();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runCycle(): Promise<number> {
    const { log, metrics } = this.opts;
    if (this.stopping) return ExitCode.Ok;
    if (!this.opts.elector.isLeader()) {
      log.debug('cycle skipped: not the leader');
      return ExitCode.Ok;
    }
    const started = Date.now();
    return this.locked(
      'cycle',
      () => this.reconcile(),
      async (code) => {
        const at = new Date().toISOString();
        if (code === ExitCode.Ok) metrics.lastSuccess.set(Date.now() / 1000);
        await this.recordCycle(at, code);
        log.info(`cycle done in ${Date.now() - started} ms`);
        if (await this.hasUncontained()) this.queueEventRun();
      },
    );
  }

  /**
   * A run under the store's apply lock (plan → apply → metrics and alerts), then `after`
   * once the lock is released. A run that fails is counted, alerted, and exits 1.
   */
  private async locked(trigger: 'cycle' | 'hr_event', run: () => Promise<number>, after?: (code: number) => Promise<void>): Promise<number> {
    const { log, metrics, store } = this.opts;
    try {
      const release = await store.acquireApplyLock();
      let code: number;
      try {
        code = await run();
      } finally {
        await release();
      }
      await after?.(code);
      return code;
    } catch (e) {
      metrics.cycleFailures.inc();
      const what = trigger === 'cycle' ? 'cycle' : 'HR event run';
      await raiseAlert({ kind: 'cycle_failed', message: `${what} failed: ${problemText(e)}`, trigger, time: new Date().toISOString() }, { url: this.opts.alertUrl, log });
      return ExitCode.Error;
    }
  }

  /** Writes the cycle state document; a failure to write it is logged, not fatal. */
  private async recordCycle(at: string, code: number): Promise<void> {
    const previous = await this.opts.store.documents.get(CYCLE_DOCUMENT).catch(() => undefined);
    let lastSuccessAt: string | null = null;
    try {
      lastSuccessAt = previous ? ((JSON.parse(previous) as { lastSuccessAt?: string }).lastSuccessAt ?? null) : null;
    } catch {
      lastSuccessAt = null;
    }
    const doc = { at, exitCode: code, by: this.opts.actor, lastSuccessAt: code === ExitCode.Ok ? at : lastSuccessAt };
    await this.opts.store.documents
      .put(CYCLE_DOCUMENT, JSON.stringify(doc))
      .catch((e: unknown) => this.opts.log.warn(`cannot record the cycle state: ${(e as Error).message}`));
  }

  private async reconcile(): Promise<number> {
    const { log, metrics, store } = this.opts;
    const dir = await this.opts.source.refresh();
    const policy = await loadPlanningPolicy(dir, { offline: false, peopleFile: this.opts.peopleFile, log });
    this.opts.checkStore?.(policy);
    this.opts.onPolicy?.(policy);
    const { signer } = await policyKeys(policy, { withPrivateKey: true });
    const made = await planToApplyNow({ policy, peopleFile: this.opts.peopleFile, store, now: new Date(), log });
    this.world = { policy, roster: made.roster, snapshot: made.snapshot, signer, provenance: made.provenance };
    const { plan } = made;
    metrics.observePlan(plan);
    const { attestations } = made;
    log.info(
      `cycle: policy ${plan.policy.commit ?? '(no commit)'}, ${plan.changes.length} change(s)${attestations.length ? `, ${attestations.length} access review(s) to attest` : ''}`,
    );
    // A merged review whose decisions change nothing is still attested.
    if (plan.changes.length === 0 && attestations.length === 0) return ExitCode.Ok;
    const report = await runApply({ plan, policy, history: made.history, store, actor: this.opts.actor, log, signer, signal: this.abort.signal, attestations });
    return this.afterApply(plan, report, 'cycle', new Map(), made.hrEvents.laid);
  }

  private retryEventsSoon(): void {
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopping) this.queueEventRun();
    }, EVENT_RETRY_MS);
  }

  /** Standing events whose containment is due and not yet confirmed. */
  private async uncontained(nowMs: number): Promise<{ standing: PendingEvent[]; leavers: PendingEvent[] }> {
    const stored = await this.opts.store.hrEvents.standing();
    const standing = stored.map(pendingOf);
    const contained = new Set(stored.filter((s) => s.containedAt !== null).map((s) => s.event.id));
    return { standing, leavers: standing.filter((p) => containsNow(p, nowMs) && !contained.has(p.event.id)) };
  }

  private async hasUncontained(): Promise<boolean> {
    return (await this.uncontained(Date.now())).leavers.length > 0;
  }

  /**
   * One plan for the containment of every standing leaver (the guard sees them all),
   * against the last snapshot, applied at once. Waits for the first cycle's snapshot.
   */
  private async runEvents(): Promise<number> {
    const world = this.world;
    if (!world || this.stopping || !this.opts.elector.isLeader()) return ExitCode.Ok;
    const { store, log } = this.opts;
    const t0 = Date.now();
    let retry = false;
    return this.locked(
      'hr_event',
      async () => {
        const now = new Date();
        const events = await this.uncontained(now.getTime());
        if (events.leavers.length === 0) return ExitCode.Ok;
        // Leavers contained earlier are in the snapshot as such (withApplied); only their
        // unobservable revocations would be planned again, and those the guard does not count.
        const { plan, history, roster, laid, eventOf } = await planContainment(world, events, store, now);
        const { leavers } = events;
        const t1 = Date.now();
        const report = await runApply({
          plan,
          policy: world.policy,
          history,
          store,
          actor: this.opts.actor,
          log,
          signer: world.signer,
          signal: this.abort.signal,
          events: eventOf,
          // The fast path contains leavers; reviews are attested by the next cycle.
          attestations: [],
        });
        log.info(`HR event run: ${plan.changes.length} change(s) for ${eventOf.size} leaver(s); planned in ${t1 - t0} ms, applied in ${Date.now() - t1} ms`);
        if (this.world === world) this.world = { ...world, snapshot: withApplied(world.snapshot, report.results) };
        // A leaver with nothing left to contain is contained as of this run.
        const confirmedNow = new Map(containmentByPerson(report.results));
        if (!report.halted) {
          for (const key of eventOf.keys()) if (!confirmedNow.has(key)) confirmedNow.set(key, { person: key, confirmed: true, tier: 'standard', triggerAtMs: null });
        }
        // An event about nobody the roster knows has nothing to contain yet: counted once, here.
        for (const p of leavers) if (!personOf(roster.people, p.event.person)) await store.hrEvents.markContained(p.event.id, Date.now());
        const code = await this.afterApply(plan, report, `HR events ${[...new Set(eventOf.values())].join(', ')}`, eventOf, laid, confirmedNow);
        retry = !report.halted;
        return code;
      },
      async () => {
        // A containment that failed (throttled, provider down) is retried soon, not at the next cycle.
        if (retry && (await this.hasUncontained())) this.retryEventsSoon();
      },
    );
  }

  /**
   * Metrics, drift, MTTRevoke and alerts after an apply; returns apply's exit code. An HR
   * event's time to revoke is counted once, by whichever replica first confirms it (the
   * store says whether it already was).
   */
  private async afterApply(
    plan: Plan,
    report: ApplyReport,
    trigger: string,
    eventOf: ReadonlyMap<string, string>,
    laid: readonly PendingEvent[],
    containment = containmentByPerson(report.results),
  ): Promise<number> {
    const { log, metrics, store } = this.opts;
    const drift = metrics.observeReport(report);
    if (report.halted) {
      const violations = plan.guard.violations.filter((v) => !v.approvedBy);
      await raiseAlert(
        {
          kind: 'guard_halt',
          message: `guard tripped (${violations.map((v) => `${v.kind} ${v.provider}${v.group ? ` "${v.group}"` : ''}`).join('; ')}); nothing applied until an Approval is merged`,
          trigger,
          planChecksum: plan.checksum,
          violations,
          time: new Date().toISOString(),
        },
        { url: this.opts.alertUrl, log },
      );
      return ExitCode.GuardTripped;
    }
    if (drift > 0) log.info(`drift corrected: ${drift} change(s)`);
    const nowMs = Date.now();
    const roster = this.world?.roster;
    const eventFor = (personKey: string): PendingEvent | undefined => {
      const id = eventOf.get(personKey);
      return laid.find((p) => (id !== undefined ? p.event.id === id : roster !== undefined && personOf(roster.people, p.event.person)?.key === personKey));
    };
    for (const c of containment.values()) {
      if (!c.confirmed) continue;
      const event = eventFor(c.person);
      if (event) {
        if (await store.hrEvents.markContained(event.event.id, nowMs)) metrics.mttrevoke.observe({ tier: c.tier }, Math.max(0, nowMs - event.receivedAt) / 1000);
      } else if (c.triggerAtMs !== null && !this.countedLeavers.has(c.person)) {
        this.countedLeavers.add(c.person);
        metrics.mttrevoke.observe({ tier: c.tier }, Math.max(0, nowMs - c.triggerAtMs) / 1000);
      }
    }
    const failed = report.counts.failed ?? 0;
    log.info(
      `applied (${trigger}): ${
        Object.entries(report.counts)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'nothing'
      }`,
    );
    return failed > 0 ? ExitCode.Error : ExitCode.Ok;
  }
}

function problemText(e: unknown): string {
  if (e instanceof UserError) return e.problems.map(formatProblem).join('; ');
  return redactor.redact(e instanceof Error ? e.message : String(e));
}
