import { formatProblem, UserError } from '../errors.js';
import { buildHistory } from '../journal/build-history.js';
import type { JournalHistory } from '../journal/history.js';
import { loadPolicy } from './load-policy.js';
import type { Policy } from '../policy/model.js';
import { checkAgainstSnapshot } from '../policy/observed-checks.js';
import { closeProviders, connectProviders, type ProviderWiring } from './connect.js';
import type { Logger } from '../logger.js';
import { overlayStanding, pendingOf, personOf, type HrOverlay, type PendingEvent } from '../roster/hr-overlay.js';
import { isContainment } from '../plan/containment.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/model.js';
import { observeProviders } from '../snapshot/observe.js';
import { readSnapshot } from '../snapshot/read.js';
import type { StateStore } from '../state/store.js';
import type { Plan, ReviewAttestation, Snapshot } from '../types/index.js';
import { pendingAttestations } from '../review/attest.js';
import { assemblePlan } from './assemble-plan.js';
import { planningProviders } from './planning.js';
import { policyProvenance, type PolicyProvenance } from './provenance.js';
import { policyOrigin } from '../git/repository.js';
import { ensureFullHistory } from '../git/full-history.js';

export interface MakePlanOptions {
  /** The policy, loaded (see loadPlanningPolicy). */
  policy: Policy;
  peopleFile?: string | undefined;
  /** Plan offline against this snapshot; otherwise observe the providers. */
  snapshotFile?: string | undefined;
  /** Observed state already in hand (sandbox, tests). */
  snapshot?: Snapshot | undefined;
  /** The journal (history), standing HR events, and what providers keep between runs. */
  store: StateStore;
  now: Date;
  log: Logger;
  /** A recording of the providers' exchanges (`--record`). */
  wire?: ProviderWiring | undefined;
}

export interface MadePlan {
  plan: Plan;
  policy: Policy;
  /** The roster as read, before standing HR events were laid over it. */
  roster: Roster;
  /** The standing HR events: laid over the roster, and those that no longer stand (for a writer to resolve). */
  hrEvents: HrOverlay;
  snapshot: Snapshot;
  history: JournalHistory;
  /** What Git said about the policy: the plan's attribution and authorship, reused by the run (access reviews) and by plans made later from the same inputs. */
  provenance: PolicyProvenance;
}

/**
 * Loads the policy a plan is made from: secret references checked unless planning offline
 * (against a snapshot), the roster file required unless given on the command line;
 * warnings are logged.
 */
export async function loadPlanningPolicy(dir: string, opts: { offline: boolean; peopleFile?: string | undefined; log: Logger }): Promise<Policy> {
  const policy = await loadPolicy(dir, { checkSecrets: !opts.offline, requirePeopleFile: !opts.peopleFile });
  for (const w of policy.warnings) opts.log.warn(formatProblem(w));
  return policy;
}

/**
 * The I/O around assemblePlan: make sure the policy's Git history is whole, read the
 * roster and lay the standing HR events over it, observe (or read a snapshot), read the
 * journal, blame the policy files, find the repository the policy folder is in.
 */
export async function makePlan(opts: MakePlanOptions): Promise<MadePlan> {
  const { policy, store } = opts;
  // Before observing: a shallow clone that cannot be deepened stops the run with nothing observed.
  await ensureFullHistory(policy.dir, opts.log);
  const loaded = await loadRoster(policy, opts.peopleFile);
  for (const w of loaded.warnings) opts.log.warn(formatProblem(w));
  const hrEvents = overlayStanding(loaded, (await store.hrEvents.standing()).map(pendingOf));
  for (const p of hrEvents.laid) opts.log.info(`HR event ${p.event.id} (${p.event.type}) stands until the roster says the same: planned as in force`);
  let snapshot: Snapshot;
  if (opts.snapshot) snapshot = opts.snapshot;
  else if (opts.snapshotFile) snapshot = await readSnapshot(opts.snapshotFile);
  else {
    const providers = connectProviders(policy, { store, log: opts.log, wire: opts.wire, access: 'read' });
    try {
      snapshot = await observeProviders(providers, opts.log);
    } finally {
      await closeProviders(providers);
    }
  }
  const checked = checkAgainstSnapshot(policy, snapshot);
  for (const w of checked.warnings) opts.log.warn(formatProblem(w));
  if (checked.problems.length) throw new UserError(checked.problems);
  const history = buildHistory(await store.journal.read());
  const provenance = await policyProvenance(policy, opts.log);
  const origin = await policyOrigin(policy.dir);
  const plan = assemblePlan({
    policy,
    providers: planningProviders(policy),
    origin,
    roster: hrEvents.roster,
    hrEvents: hrEvents.laid,
    snapshot,
    now: opts.now,
    history,
    createdAt: new Date(),
    attribute: provenance.blame.attribute,
    authorship: provenance.authorship,
  });
  return { plan, policy, roster: loaded, hrEvents, snapshot, history, provenance };
}

/** What a plan was made from, kept to plan again without observing (the controller's HR fast path). */
export interface PlanningWorld {
  readonly policy: Policy;
  /** The roster as read, before standing HR events were laid over it. */
  readonly roster: Roster;
  readonly snapshot: Snapshot;
  readonly provenance: PolicyProvenance;
}

export interface ContainmentPlan {
  readonly plan: Plan;
  readonly history: JournalHistory;
  /** The roster the plan used: the world's, with the standing events laid over it. */
  readonly roster: Roster;
  readonly laid: readonly PendingEvent[];
  /** The event behind each leaver the plan contains, by person key. */
  readonly eventOf: ReadonlyMap<string, string>;
}

/**
 * One plan of just the containment of these leavers (every standing event laid over the
 * world's roster, so that the guard sees them all), against the world's snapshot and the
 * journal as it is now.
 */
export async function planContainment(
  world: PlanningWorld,
  events: { standing: readonly PendingEvent[]; leavers: readonly PendingEvent[] },
  store: StateStore,
  now: Date,
): Promise<ContainmentPlan> {
  const { roster, laid } = overlayStanding(world.roster, events.standing);
  const eventOf = new Map<string, string>();
  for (const p of events.leavers) {
    const person = personOf(roster.people, p.event.person);
    if (person) eventOf.set(person.key, p.event.id);
  }
  const history = buildHistory(await store.journal.read());
  const plan = assemblePlan({
    policy: world.policy,
    providers: planningProviders(world.policy),
    roster,
    hrEvents: laid,
    snapshot: world.snapshot,
    now,
    history,
    attribute: world.provenance.blame.attribute,
    authorship: world.provenance.authorship,
    scope: (c) => c.person !== null && eventOf.has(c.person) && isContainment(c),
  });
  return { plan, history, roster, laid, eventOf };
}

/**
 * A plan made now to apply at once (`lockstep apply` without a plan file, each
 * controller cycle): HR events the roster now agrees with stop standing, and the access
 * reviews to attest are found with the plan's own blame of the policy.
 */
export async function planToApplyNow(opts: MakePlanOptions): Promise<MadePlan & { attestations: ReviewAttestation[] }> {
  const made = await makePlan(opts);
  for (const r of made.hrEvents.resolved) {
    await opts.store.hrEvents.resolve(r.id, r.resolution, Date.now());
    opts.log.info(`HR event ${r.id} no longer stands: ${r.resolution}`);
  }
  const attestations = await pendingAttestations(made.policy, made.history, opts.log, made.provenance.blame);
  return { ...made, attestations };
}
