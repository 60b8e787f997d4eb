import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { ProviderError } from '../errors.js';
import { redactor } from '../policy/secrets.js';
import { applyBatches } from './phases.js';
import { checkPrecondition } from './precondition.js';
import { countResults, type ApplyReport, type ChangeOutcome } from './report.js';
import { withRetry, type Backoff } from './retry.js';
import type { InterruptedChange, JournalHistory } from '../journal/history.js';
import type { JournalEntry } from '../journal/record.js';
import type { ApplyOutcome, Provider } from '../provider/provider.js';
import type { TaskDesk } from '../tasks/desk.js';
import { taskDetail } from '../tasks/detail.js';
import type { Logger } from '../logger.js';
import type { ApplyResult, JournalRecord, ObservedProvider, Plan, PlanChange, ReviewAttestation } from '../types/index.js';

/** Where the engine writes its records; a `JournalWriter` in production. */
export interface JournalAppender {
  append(entry: JournalEntry): Promise<JournalRecord>;
}

export interface ApplyOptions {
  /** A plan already checked for format, checksum and age (see readSavedPlan). */
  plan: Plan;
  providers: ReadonlyMap<string, Provider>;
  journal: JournalAppender;
  history: JournalHistory;
  /** Who runs the apply: user@host or the controller's identity. */
  actor: string;
  runId?: string;
  /** Who approved a tripped guard for this exact plan (`--approve-guard`, Approval documents); null for nobody. */
  guardApprovedBy: string | null;
  /** Ids of `requiresApproval` changes that are approved; a map also names the approver. */
  approvedChanges: ReadonlySet<string> | ReadonlyMap<string, string>;
  /** Changes in flight at once per provider. */
  concurrency?: number;
  /** Retries of a transient provider error. */
  retries?: number;
  backoff?: Partial<Backoff>;
  log: Logger;
  signal?: AbortSignal;
  /** Where every `task` change goes: the task book that hands manual work to the app owner. */
  taskDesk: TaskDesk;
  /** Jitter source, replaceable in tests. */
  random?: () => number;
  /**
   * Merged access reviews to attest in this run (see pendingAttestations): each is
   * journaled as an `attestation` record after the guard lets the run through.
   */
  attestations?: readonly ReviewAttestation[];
}

interface Run {
  opts: ApplyOptions;
  base: Pick<JournalEntry, 'runId' | 'actor' | 'policyCommit' | 'planChecksum'>;
  signal: AbortSignal;
  /** Set when the journal cannot be written: nothing more may be applied. */
  fatal: { error: Error } | null;
  abort: AbortController;
  /** Attestations journaled in this run. */
  attested: ReviewAttestation[];
}

/**
 * Applies a plan (SPEC §9). A tripped, unapproved guard halts before anything is
 * observed. Otherwise each provider runs in parallel: a fresh observation, then the
 * phases in order (containment, removal, transfer, delete, task, addition) with a
 * barrier between them, privileged changes first in each phase, at most `concurrency`
 * in flight. Each change is re-checked against the fresh observation and journaled with
 * its outcome; one failing change never stops the others. The only error thrown past
 * the run is a journal that cannot be written, since applying without an audit trail
 * is worse than stopping. Access reviews to attest are journaled once the guard lets
 * the run through (a halted run attests nothing: the next one does).
 */
export async function applyPlan(opts: ApplyOptions): Promise<ApplyReport> {
  const { plan, journal, log } = opts;
  const runId = opts.runId ?? randomUUID();
  const abort = new AbortController();
  const run: Run = {
    opts,
    base: { runId, actor: opts.actor, policyCommit: plan.policy.commit, planChecksum: plan.checksum },
    signal: opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal,
    fatal: null,
    abort,
    attested: [],
  };
  // Changes an earlier run sent but did not journal the outcome of, and that this plan does not
  // make again: each is resolved against this run's fresh observation of its provider.
  const planned = new Set(plan.changes.map((c) => c.id));
  const interrupted = opts.history.interrupted().filter((i) => !planned.has(i.change.id) && opts.providers.has(i.change.provider));
  const providerNames = [...new Set([...plan.changes, ...interrupted.map((i) => i.change)].map((c) => c.provider))].sort();
  await journal.append({
    ...run.base,
    type: 'run_start',
    detail: { policy: plan.policy.name, now: plan.now, changes: plan.changes.length, providers: providerNames },
  });

  const { guard } = plan;
  if (guard.tripped && !opts.guardApprovedBy) {
    log.warn(`guard tripped (${guard.violations.length} violation(s)): nothing applied`);
    await journal.append({ ...run.base, type: 'halt', result: 'halted', violations: guard.violations, detail: 'guard tripped; nothing applied' });
    return finish(
      run,
      plan.changes.map((change) => ({ change, result: 'halted' as const })),
      true,
    );
  }
  const approvers = guardApprovers(plan, opts.guardApprovedBy);
  if (approvers.length > 0) {
    await journal.append({
      ...run.base,
      type: 'approval',
      approvals: approvers,
      violations: guard.violations,
      detail: guard.tripped ? 'tripped guard approved for this plan' : 'guard violations covered by Approval documents',
    });
  }
  for (const attestation of opts.attestations ?? []) {
    await journal.append({ ...run.base, type: 'attestation', person: null, attestation, detail: attestation.note });
    run.attested.push(attestation);
  }

  const settled = await Promise.allSettled(
    providerNames.map((name) =>
      runProvider(
        run,
        name,
        plan.changes.filter((c) => c.provider === name),
        interrupted.filter((i) => i.change.provider === name),
      ),
    ),
  );
  if (run.fatal) throw run.fatal.error;
  const results = settled.flatMap((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  const order = new Map(plan.changes.map((c, i) => [c, i]));
  results.sort((a, b) => (order.get(a.change) ?? 0) - (order.get(b.change) ?? 0));
  return finish(run, results, false);
}

async function finish(run: Run, results: ChangeOutcome[], halted: boolean): Promise<ApplyReport> {
  const counts = countResults(results);
  await run.opts.journal.append({ ...run.base, type: 'run_end', result: halted ? 'halted' : null, detail: { counts } });
  return { runId: run.base.runId, halted, results, counts, attested: run.attested };
}

/** Who let the guard's violations through: the plan-level approver, or Approval documents per violation. */
function guardApprovers(plan: Plan, guardApprovedBy: string | null): string[] {
  const names = new Set<string>();
  if (plan.guard.tripped && guardApprovedBy) names.add(guardApprovedBy);
  for (const v of plan.guard.violations) if (v.approvedBy) names.add(v.approvedBy);
  return [...names];
}

async function runProvider(run: Run, name: string, changes: PlanChange[], interrupted: readonly InterruptedChange[] = []): Promise<ChangeOutcome[]> {
  const { opts } = run;
  const provider = opts.providers.get(name);
  if (!provider) return Promise.all(changes.map((c) => record(run, c, { result: 'failed', error: `provider ${name} is not configured` })));

  const stopped = () => Promise.all(changes.map((c) => record(run, c, { result: 'skipped', detail: 'run stopped before this change' })));
  if (run.signal.aborted) return stopped();
  let observed: ObservedProvider;
  const targets = targetAccounts(provider, [...changes, ...interrupted.map((i) => i.change)]);
  try {
    observed = await withRetry(
      () => (targets ? provider.observeAccounts!(targets) : provider.observe()),
      retryOptions(run, name, targets ? `observe ${targets.length} account(s)` : 'observe'),
    );
  } catch (e) {
    if (run.signal.aborted) return stopped();
    const error = `observation of ${name} failed: ${errorMessage(e)}`;
    opts.log.warn(error);
    return Promise.all(changes.map((c) => record(run, c, { result: 'failed', error })));
  }

  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  const { unobservable } = provider.capabilities;
  const fallbackSinceMs = Date.parse(opts.plan.createdAt);
  const outcomes: ChangeOutcome[] = [];
  for (const i of interrupted) {
    // Not reported with this plan's results: the change belongs to the interrupted run.
    const check = checkPrecondition(i.change, observed, { history: opts.history, unobservable, fallbackSinceMs, accountsOnly: targets !== null });
    const was = `sent by run ${i.runId} at ${i.sentAt}, which stopped before journaling its outcome`;
    await record(
      run,
      i.change,
      check.verdict === 'already'
        ? { result: 'already', detail: `${was}; this run's observation finds it done (${check.detail})` }
        : { result: 'skipped', detail: `${was}; this run's observation does not find it done, and the plan no longer makes it` },
    );
  }
  for (const batch of applyBatches(changes)) {
    const done = await Promise.all(
      batch.map((change) =>
        limit(async () => {
          if (run.signal.aborted) return record(run, change, { result: 'skipped', detail: 'run stopped before this change' });
          if (change.requiresApproval && !opts.approvedChanges.has(change.id)) {
            return record(run, change, { result: 'skipped', detail: 'requires approval: no Approval document covers this change' });
          }
          const check = checkPrecondition(change, observed, { history: opts.history, unobservable, fallbackSinceMs, accountsOnly: targets !== null });
          if (check.verdict !== 'apply') return record(run, change, { result: check.verdict, detail: check.detail });
          return applyOne(run, provider, change);
        }),
      ),
    );
    outcomes.push(...done);
  }
  return outcomes;
}

/** Above this many accounts a whole observation costs less than reading each one. */
export const TARGETED_OBSERVE_MAX_ACCOUNTS = 50;

/**
 * The accounts to read afresh when the provider can read accounts one by one and the
 * changes are few (an HR event's containment): their ids, or null to observe the whole
 * provider. Every change must name an account, since a group alone cannot be read that way.
 */
function targetAccounts(provider: Provider, changes: readonly PlanChange[]): string[] | null {
  if (!provider.observeAccounts) return null;
  const ids = new Set<string>();
  for (const c of changes) {
    const id = c.target.account?.id;
    if (!id) return null;
    ids.add(id);
    if (ids.size > TARGETED_OBSERVE_MAX_ACCOUNTS) return null;
  }
  return [...ids].sort();
}

async function applyOne(run: Run, provider: Provider, change: PlanChange): Promise<ChangeOutcome> {
  let out: ApplyOutcome;
  try {
    // Manual work goes to the task desk, whatever the provider: no provider handles a task.
    const target: { apply(change: PlanChange): Promise<ApplyOutcome> } = change.action === 'task' ? run.opts.taskDesk(provider.name) : provider;
    // Durable before the provider hears of it: a run killed from here on leaves a trace that
    // the next run resolves. A manual task needs none: it is handed out again until confirmed.
    if (change.action !== 'task') await intent(run, change);
    if (run.fatal) return { change, result: 'skipped', detail: 'the journal cannot be written' };
    out = await withRetry(() => target.apply(change), retryOptions(run, provider.name, `${change.action} ${targetLabel(change)}`));
  } catch (e) {
    if (run.signal.aborted && !(e instanceof ProviderError)) {
      return record(run, change, { result: 'skipped', detail: 'run stopped while retrying this change' });
    }
    return record(run, change, { result: 'failed', error: errorMessage(e) });
  }
  // Outside the try: a failure to record the outcome is not the change failing.
  return record(run, change, { result: out.result, before: out.before, after: out.after, detail: out.detail });
}

function retryOptions(run: Run, provider: string, what: string) {
  const { opts } = run;
  return {
    retries: opts.retries ?? 4,
    ...opts.backoff,
    signal: run.signal,
    random: opts.random,
    onRetry: (e: ProviderError, attempt: number, delayMs: number) => opts.log.info(`${provider}: ${what}: ${errorMessage(e)}; retry ${attempt} in ${delayMs} ms`),
  } as const;
}

interface Result {
  result: ApplyResult;
  error?: string;
  detail?: string | undefined;
  before?: unknown;
  after?: unknown;
}

/** What every journal record about one change says of it (buildHistory reads an intent's change back from these). */
function changeFields(change: PlanChange) {
  return {
    changeId: change.id,
    provider: change.provider,
    action: change.action,
    target: change.target,
    person: change.person,
    tier: change.tier,
    reason: change.reason,
    triggerAt: change.reason.triggerAt ?? null,
  };
}

/** Appends a record; a journal that cannot be written stops the run (nothing more may be applied). */
async function journalOrStop(run: Run, entry: JournalEntry): Promise<void> {
  try {
    await run.opts.journal.append(entry);
  } catch (e) {
    run.fatal ??= { error: e as Error };
    run.abort.abort(e);
  }
}

/** Journals that a change is about to be sent, with what the next run needs to resolve it. */
function intent(run: Run, change: PlanChange): Promise<void> {
  return journalOrStop(run, { ...run.base, type: 'intent', ...changeFields(change), detail: { precondition: change.precondition } });
}

/** Journals one change's outcome and returns it for the report. */
async function record(run: Run, change: PlanChange, r: Result): Promise<ChangeOutcome> {
  const approver = approverOf(run.opts.approvedChanges, change);
  const detail = change.task ? taskDetail(change.task, r.detail) : r.detail;
  await journalOrStop(run, {
    ...run.base,
    type: 'change',
    ...changeFields(change),
    result: r.result,
    error: r.error ?? null,
    before: r.before,
    after: r.after,
    detail: detail ?? null,
    approvals: approver ? [approver] : null,
  });
  const line = `${change.provider}: ${change.action} ${targetLabel(change)}: ${r.result}`;
  if (r.result === 'failed') run.opts.log.warn(`${line}: ${r.error}`);
  else run.opts.log.info(detail ? `${line} (${detail})` : line);
  return { change, result: r.result, ...(r.error === undefined ? {} : { error: r.error }), ...(detail ? { detail } : {}) };
}

function approverOf(approved: ApplyOptions['approvedChanges'], change: PlanChange): string | null {
  if (!change.requiresApproval || !approved.has(change.id)) return null;
  return approved instanceof Map ? (approved.get(change.id) ?? 'approved') : 'approved';
}

function targetLabel(change: PlanChange): string {
  const { account, group } = change.target;
  if (account && group) return `${account.login} in ${group.name}`;
  return account?.login ?? group?.name ?? change.id;
}

/** A change's error as shown and journaled: the provider's message with its HTTP status, secrets scrubbed. */
function errorMessage(e: unknown): string {
  if (e instanceof ProviderError) return redactor.redact(e.status ? `${e.message} (HTTP ${e.status})` : e.message);
  return redactor.redact(e instanceof Error ? e.message : String(e));
}
