import { formatProblem, UserError } from '../errors.js';
import { readHistory } from '../journal/build-history.js';
import type { JournalHistory } from '../journal/history.js';
import { loadPolicy } from '../policy/load.js';
import type { Policy } from '../policy/model.js';
import { checkAgainstSnapshot } from '../policy/observed-checks.js';
import { closeProviders, connectProviders } from '../provider/connect.js';
import type { Logger } from '../provider/provider.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/model.js';
import { observeProviders } from '../snapshot/observe.js';
import { readSnapshot } from '../snapshot/read.js';
import type { Plan, Snapshot } from '../types/index.js';
import { assemblePlan } from './assemble.js';
import type { PlanInputs } from './inputs.js';
import { blamePolicyFiles } from '../git/blame.js';
import { documentAuthorship } from '../git/authorship.js';

export interface MakePlanOptions {
  policiesDir: string;
  peopleFile?: string | undefined;
  /** Plan offline against this snapshot; otherwise observe the providers. */
  snapshotFile?: string | undefined;
  /** Observed state already in hand (sandbox, tests). */
  snapshot?: Snapshot | undefined;
  journalFile: string;
  stateDir: string;
  now: Date;
  log: Logger;
  /** Changes the roster before planning (the controller's pending HR events). */
  rosterOverlay?: ((roster: Roster) => Roster) | undefined;
}

export interface MadePlan {
  plan: Plan;
  policy: Policy;
  roster: Roster;
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

/** The I/O around assemblePlan: load policy and roster, observe (or read a snapshot), read the journal. */
export async function makePlan(opts: MakePlanOptions): Promise<MadePlan> {
  const offline = opts.snapshotFile !== undefined || opts.snapshot !== undefined;
  const policy = await loadPolicy(opts.policiesDir, { checkSecrets: !offline, requirePeopleFile: !opts.peopleFile });
  for (const w of policy.warnings) opts.log.warn(formatProblem(w));
  const loaded = await loadRoster(policy, opts.peopleFile);
  const roster = opts.rosterOverlay ? opts.rosterOverlay(loaded) : loaded;
  for (const w of loaded.warnings) opts.log.warn(formatProblem(w));
  let snapshot: Snapshot;
  if (opts.snapshot) snapshot = opts.snapshot;
  else if (opts.snapshotFile) snapshot = await readSnapshot(opts.snapshotFile);
  else {
    const providers = connectProviders(policy, { stateDir: opts.stateDir, log: opts.log });
    try {
      snapshot = await observeProviders(providers, opts.log);
    } finally {
      await closeProviders(providers);
    }
  }
  const checked = checkAgainstSnapshot(policy, snapshot);
  for (const w of checked.warnings) opts.log.warn(formatProblem(w));
  if (checked.problems.length) throw new UserError(checked.problems);
  const history = await readHistory(opts.journalFile);
  const blame = await blamePolicyFiles(policyFiles(policy), opts.log);
  const authorship = policy.config.doc.spec.approvers ? await documentAuthorship(policy, blame) : undefined;
  const plan = assemblePlan({ policy, roster, snapshot, now: opts.now, history, createdAt: new Date(), attribute: blame.attribute, authorship });
  return { plan, policy, roster: loaded, snapshot, history, attribute: blame.attribute, authorship };
}
