import { applyPlan } from '../apply/engine.js';
import type { ApplyReport } from '../apply/report.js';
import { JournalWriter } from '../journal/writer.js';
import type { JournalEntry } from '../journal/record.js';
import type { JournalHistory } from '../journal/history.js';
import type { Policy } from '../policy/model.js';
import { closeProviders, connectProviders } from '../provider/connect.js';
import type { Logger } from '../provider/provider.js';
import { approvedChangeIds, taskDesk } from '../apply/policy-desks.js';
import { pendingAttestations } from '../review/attest.js';
import type { Plan, ReviewAttestation } from '../types/index.js';

export interface RunApplyOptions {
  plan: Plan;
  policy: Policy;
  history: JournalHistory;
  journalFile: string;
  stateDir: string;
  actor: string;
  log: Logger;
  signal: AbortSignal;
  /** HR event ids behind this apply, by person: journaled with the run and each change. */
  events?: ReadonlyMap<string, string>;
  /**
   * Access reviews to attest in the run; the policy's reviews the journal does not hold
   * yet when absent (see pendingAttestations), none with an empty list.
   */
  attestations?: readonly ReviewAttestation[];
}

/**
 * Applies a plan exactly as `lockstep apply --auto-approve` does (the caller holds the
 * apply lock): a journal opened for the run, the providers the plan needs, Approval
 * documents for changes that need one, task books for manual work, merged access reviews
 * attested. A tripped guard halts inside the engine, journaled. The journal is flushed and closed before this returns.
 */
export async function runApply(opts: RunApplyOptions): Promise<ApplyReport> {
  const { plan, policy } = opts;
  const attestations = opts.attestations ?? (await pendingAttestations(policy, opts.history, opts.log));
  const writer = await JournalWriter.open(opts.journalFile, policy.config.doc.spec.journal?.stdout ? { sink: process.stdout } : {});
  const journal = opts.events?.size ? withEvents(writer, opts.events) : writer;
  const needed = [...new Set(plan.changes.map((c) => c.provider))];
  const providers = connectProviders(policy, { stateDir: opts.stateDir, log: opts.log, only: needed });
  try {
    return await applyPlan({
      plan,
      providers,
      journal,
      history: opts.history,
      actor: opts.actor,
      guardApprovedBy: null,
      approvedChanges: approvedChangeIds(policy, Date.now()),
      concurrency: policy.config.doc.spec.apply?.concurrency,
      retries: policy.config.doc.spec.apply?.retries,
      taskDesk: taskDesk(policy, opts.stateDir),
      log: opts.log,
      signal: opts.signal,
      attestations,
    });
  } finally {
    await closeProviders(providers);
    await writer.close();
  }
}

/** Names the HR events in the run's first record and in each change made for an event's person. */
function withEvents(writer: JournalWriter, events: ReadonlyMap<string, string>) {
  const ids = [...new Set(events.values())].sort();
  return {
    append(entry: JournalEntry) {
      if (entry.type === 'run_start') return writer.append({ ...entry, detail: { ...(entry.detail as object), trigger: 'hr_event', events: ids } });
      const event = entry.type === 'change' && entry.person ? events.get(entry.person) : undefined;
      if (event) return writer.append({ ...entry, reason: { ...(entry.reason as object), event } });
      return writer.append(entry);
    },
  };
}
