import { formatProblem, UserError } from '../errors.js';
import { buildHistory } from '../journal/build-history.js';
import type { JournalHistory } from '../journal/history.js';
import { loadPolicy } from './load-policy.js';
import type { Policy } from '../policy/model.js';
import { checkAgainstSnapshot } from '../policy/observed-checks.js';
import { closeProviders, connectProviders } from './connect.js';
import type { Logger } from '../logger.js';
import { overlayStanding, pendingOf, type HrOverlay } from '../roster/hr-overlay.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/model.js';
import { observeProviders } from '../snapshot/observe.js';
import { readSnapshot } from '../snapshot/read.js';
import type { StateStore } from '../state/store.js';
import type { Plan, Snapshot } from '../types/index.js';
import { assemblePlan } from '../plan/assemble.js';
import { planningProviders } from './planning.js';
import type { PlanInputs } from '../plan/inputs.js';
import { blamePolicyFiles } from '../git/blame.js';
import { documentAuthorship } from '../git/authorship.js';
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
  /** Git blame and authorship the plan used, for plans made later from the same inputs. */
  attribute: PlanInputs['attribute'];
  authorship: PlanInputs['authorship'];
}

/** The files the policy's documents came from (the roster and inventories are data, not policy lines). */
function policyFiles(policy: Policy): string[] {
  const docs = [policy.config, ...policy.roles.values(), ...policy.assignments, ...policy.lifecycleRules, ...policy.exceptions, ...policy.approvals, ...policy.reviews];
  return [...new Set(docs.map((d) => d.at.file))];
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
    const providers = connectProviders(policy, { store, log: opts.log });
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
  const blame = await blamePolicyFiles(policyFiles(policy), opts.log);
  const authorship = policy.config.doc.spec.approvers ? await documentAuthorship(policy, blame) : undefined;
  const origin = await policyOrigin(policy.dir);
  const plan = assemblePlan({ policy, providers: planningProviders(policy), origin, roster: hrEvents.roster, hrEvents: hrEvents.laid, snapshot, now: opts.now, history, createdAt: new Date(), attribute: blame.attribute, authorship });
  return { plan, policy, roster: loaded, hrEvents, snapshot, history, attribute: blame.attribute, authorship };
}
