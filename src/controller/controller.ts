import { ExitCode, formatProblem, UserError } from '../errors.js';
import { readHistory } from '../journal/build-history.js';
import { assemblePlan } from '../plan/assemble.js';
import type { PlanInputs } from '../plan/inputs.js';
import { makePlan } from '../plan/make-plan.js';
import { loadPolicy } from '../policy/load.js';
import type { Policy } from '../policy/model.js';
import { redactor } from '../policy/secrets.js';
import type { Logger } from '../provider/provider.js';
import { pendingAttestations } from '../review/attest.js';
import type { Roster } from '../roster/model.js';
import { journalPath } from '../cli/workspace.js';
import { acquireApplyLock } from '../apply/lock.js';
import type { ApplyReport } from '../apply/report.js';
import type { HrEvent, Plan, Snapshot } from '../types/index.js';
import { raiseAlert } from './alert.js';
import { containmentByPerson, isContainment } from './containment.js';
import type { LeaderElector } from './leader.js';
import type { ControllerMetrics } from './metrics.js';
import { containsNow, overlayRoster, personOf, rosterAgrees, type PendingEvent } from './overlay.js';
import type { PolicySource } from './policy-source.js';
import { runApply } from './run-apply.js';
import { withApplied } from './known-state.js';

/** How soon an HR event run whose containment did not all succeed is tried again. */
const EVENT_RETRY_MS = 5_000;

export interface ControllerOptions {
  source: PolicySource;
  stateDir: string;
  peopleFile?: string | undefined;
  journalFile?: string | undefined;
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
interface World {
  policy: Policy;
  roster: Roster;
  snapshot: Snapshot;
  journalFile: string;
  attribute: PlanInputs['attribute'];
  authorship: PlanInputs['authorship'];
}

/**
 * The reconcile loop (SPEC §12). Every interval, jittered ±10%: pull the policy, plan
 * against live providers, guard, apply, journal, as `apply --auto-approve` would. HR
 * events lay an overlay on the roster until the roster agrees; terminations are contained
 * at once by plans of just the containment of pending leavers, made against the last
 * observed snapshot (the engine re-reads each target before changing it). Every run
 * (cycle or event batch) goes through one queue under the apply lock, so runs never
 * overlap; only the leader runs.
 */
export class Controller {
  private world: World | null = null;
  private readonly pending = new Map<string, PendingEvent>();
  /** Event ids whose containment has been confirmed (MTTRevoke counted once). */
  private readonly contained = new Set<string>();
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

  /** Takes an accepted HR event. A containing event queues an event run; others wait for the next cycle. */
  accept(event: HrEvent, receivedAt = Date.now()): { id: string; status: string } {
    const p: PendingEvent = { event, receivedAt, effectiveAtMs: Date.parse(event.effectiveAt) };
    this.pending.set(event.id, p);
    if (this.world && !personOf(this.world.roster.people, event.person)) {
      this.opts.log.warn(`HR event ${event.id}: nobody in the roster matches the person it names`);
    }
    if (!containsNow(p, receivedAt)) {
      this.opts.log.info(`HR event ${event.id} (${event.type}) accepted; the next cycle handles it`);
      return { id: event.id, status: 'pending_cycle' };
    }
    this.opts.log.info(`HR event ${event.id} (${event.type}) accepted; containing now`);
    if (!this.eventRunQueued) {
      this.eventRunQueued = true;
      void this.serial(async () => {
        this.eventRunQueued = false;
        return this.runEvents();
      });
    }
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
    try {
      const release = await acquireApplyLock(this.opts.stateDir);
      let code: number;
      try {
        code = await this.reconcile();
      } finally {
        await release();
      }
      if (code === ExitCode.Ok) metrics.lastSuccess.set(Date.now() / 1000);
      log.info(`cycle done in ${Date.now() - started} ms`);
      if (this.hasUncontained()) void this.serial(() => this.runEvents());
      return code;
    } catch (e) {
      const message = problemText(e);
      metrics.cycleFailures.inc();
      await raiseAlert({ kind: 'cycle_failed', message: `cycle failed: ${message}`, trigger: 'cycle', time: new Date().toISOString() }, { url: this.opts.alertUrl, log });
      return ExitCode.Error;
    }
  }

  private async reconcile(): Promise<number> {
    const { log, metrics } = this.opts;
    const dir = await this.opts.source.refresh();
    const policy = await loadPolicy(dir, { checkSecrets: true });
    this.opts.onPolicy?.(policy);
    const journalFile = journalPath(policy, this.opts.stateDir, this.opts.journalFile);
    const made = await makePlan({
      policiesDir: dir,
      peopleFile: this.opts.peopleFile,
      journalFile,
      stateDir: this.opts.stateDir,
      now: new Date(),
      log,
      rosterOverlay: (roster) => {
        for (const [id, p] of this.pending) if (rosterAgrees(roster, p)) this.pending.delete(id);
        return overlayRoster(roster, this.pending.values());
      },
    });
    this.world = { policy: made.policy, roster: made.roster, snapshot: made.snapshot, journalFile, attribute: made.attribute, authorship: made.authorship };
    const { plan } = made;
    metrics.observePlan(plan);
    const attestations = await pendingAttestations(made.policy, made.history, log);
    log.info(`cycle: policy ${plan.policy.commit ?? '(no commit)'}, ${plan.changes.length} change(s)${attestations.length ? `, ${attestations.length} access review(s) to attest` : ''}`);
    // A merged review whose decisions change nothing is still attested.
    if (plan.changes.length === 0 && attestations.length === 0) return ExitCode.Ok;
    const report = await runApply({ plan, policy: made.policy, history: made.history, journalFile, stateDir: this.opts.stateDir, actor: this.opts.actor, log, signal: this.abort.signal, attestations });
    return this.afterApply(plan, report, 'cycle', new Map());
  }

  private retryEventsSoon(): void {
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopping && !this.eventRunQueued) void this.serial(() => this.runEvents());
    }, EVENT_RETRY_MS);
  }

  private hasUncontained(): boolean {
    const now = Date.now();
    return [...this.pending.values()].some((p) => containsNow(p, now) && !this.contained.has(p.event.id));
  }

  /**
   * One plan for the containment of every pending leaver (the guard sees them all),
   * against the last snapshot, applied at once. Waits for the first cycle's snapshot.
   */
  private async runEvents(): Promise<number> {
    const world = this.world;
    if (!world || this.stopping || !this.opts.elector.isLeader() || !this.hasUncontained()) return ExitCode.Ok;
    const now = new Date();
    // Leavers contained earlier are in the snapshot as such (withApplied); only their
    // unobservable revocations would be planned again, and those the guard does not count.
    const leavers = [...this.pending.values()].filter((p) => containsNow(p, now.getTime()) && !this.contained.has(p.event.id));
    const roster = overlayRoster(world.roster, this.pending.values());
    const eventOf = new Map<string, string>();
    for (const p of leavers) {
      const person = personOf(roster.people, p.event.person);
      if (person) eventOf.set(person.key, p.event.id);
    }
    const t0 = Date.now();
    const release = await acquireApplyLock(this.opts.stateDir);
    try {
      const history = await readHistory(world.journalFile);
      const plan = assemblePlan({
        policy: world.policy,
        roster,
        snapshot: world.snapshot,
        now,
        history,
        attribute: world.attribute,
        authorship: world.authorship,
        scope: (c) => c.person !== null && eventOf.has(c.person) && isContainment(c),
      });
      const t1 = Date.now();
      const report = await runApply({
        plan,
        policy: world.policy,
        history,
        journalFile: world.journalFile,
        stateDir: this.opts.stateDir,
        actor: this.opts.actor,
        log: this.opts.log,
        signal: this.abort.signal,
        events: eventOf,
        // The fast path contains leavers; reviews are attested by the next cycle.
        attestations: [],
      });
      this.opts.log.info(`HR event run: ${plan.changes.length} change(s) for ${eventOf.size} leaver(s); planned in ${t1 - t0} ms, applied in ${Date.now() - t1} ms`);
      if (this.world === world) this.world = { ...world, snapshot: withApplied(world.snapshot, report.results) };
      // A leaver with nothing left to contain is contained as of this run.
      const confirmedNow = new Map(containmentByPerson(report.results));
      if (!report.halted) {
        for (const key of eventOf.keys()) if (!confirmedNow.has(key)) confirmedNow.set(key, { person: key, confirmed: true, tier: 'standard', triggerAtMs: null });
      }
      for (const p of leavers) if (!personOf(roster.people, p.event.person)) this.contained.add(p.event.id);
      const code = await this.afterApply(plan, report, `HR events ${[...new Set(eventOf.values())].join(', ')}`, eventOf, confirmedNow);
      // A containment that failed (throttled, provider down) is retried soon, not at the next cycle.
      if (!report.halted && this.hasUncontained()) this.retryEventsSoon();
      return code;
    } catch (e) {
      this.opts.metrics.cycleFailures.inc();
      await raiseAlert({ kind: 'cycle_failed', message: `HR event run failed: ${problemText(e)}`, trigger: 'hr_event', time: new Date().toISOString() }, { url: this.opts.alertUrl, log: this.opts.log });
      return ExitCode.Error;
    } finally {
      await release();
    }
  }

  /** Metrics, drift, MTTRevoke and alerts after an apply; returns apply's exit code. */
  private async afterApply(
    plan: Plan,
    report: ApplyReport,
    trigger: string,
    eventOf: ReadonlyMap<string, string>,
    containment = containmentByPerson(report.results),
  ): Promise<number> {
    const { log, metrics } = this.opts;
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
    for (const c of containment.values()) {
      if (!c.confirmed) continue;
      const eventId = eventOf.get(c.person) ?? this.pendingEventFor(c.person);
      if (eventId !== undefined) {
        if (this.contained.has(eventId)) continue;
        this.contained.add(eventId);
        const p = this.pending.get(eventId);
        if (p) metrics.mttrevoke.observe({ tier: c.tier }, Math.max(0, nowMs - p.receivedAt) / 1000);
      } else if (c.triggerAtMs !== null && !this.countedLeavers.has(c.person)) {
        this.countedLeavers.add(c.person);
        metrics.mttrevoke.observe({ tier: c.tier }, Math.max(0, nowMs - c.triggerAtMs) / 1000);
      }
    }
    const failed = report.counts.failed ?? 0;
    log.info(`applied (${trigger}): ${Object.entries(report.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}`);
    return failed > 0 ? ExitCode.Error : ExitCode.Ok;
  }

  private pendingEventFor(personKey: string): string | undefined {
    const roster = this.world?.roster;
    if (!roster) return undefined;
    for (const p of this.pending.values()) if (personOf(roster.people, p.event.person)?.key === personKey) return p.event.id;
    return undefined;
  }
}

function problemText(e: unknown): string {
  if (e instanceof UserError) return e.problems.map(formatProblem).join('; ');
  return redactor.redact(e instanceof Error ? e.message : String(e));
}
