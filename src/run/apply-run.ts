import { applyPlan } from '../apply/engine.js';
import type { ApplyReport } from '../apply/report.js';
import type { JournalEntry } from '../journal/record.js';
import type { JournalWriter } from '../journal/writer.js';
import type { JournalHistory } from '../journal/history.js';
import type { Policy } from '../policy/model.js';
import { closeProviders, connectProviders, type ProviderWiring } from './connect.js';
import type { Logger } from '../logger.js';
import type { Signer } from '../signing/ed25519.js';
import type { StateStore } from '../state/store.js';
import { approvedChangeIds, taskDesk } from './tasks.js';
import type { Plan, ReviewAttestation } from '../types/index.js';

export interface RunApplyOptions {
  plan: Plan;
  policy: Policy;
  history: JournalHistory;
  store: StateStore;
  actor: string;
  log: Logger;
  /** Signs journal records and checkpoints (Config spec.signing). */
  signer: Signer | null;
  signal?: AbortSignal | undefined;
  /** Who approved a tripped guard for exactly this plan (`--approve-guard`); null for nobody. */
  guardApprovedBy?: string | null;
  /** HR event ids behind this apply, by person: journaled with the run and each change. */
  events?: ReadonlyMap<string, string>;
  /** Access reviews to attest in the run (see pendingAttestations); none when empty. */
  attestations: readonly ReviewAttestation[];
  /** A recording of the providers' exchanges (`--record`). */
  wire?: ProviderWiring | undefined;
}

/**
 * Applies a plan the way both `lockstep apply` and the controller do (the caller holds
 * the apply lock): the store's journal opened for the run, only the providers the plan
 * needs, Approval documents for changes that need one, the store's task books for manual
 * work, merged access reviews attested. A tripped guard halts inside the engine,
 * journaled. The journal is flushed and closed before this returns.
 */
export async function runApply(opts: RunApplyOptions): Promise<ApplyReport> {
  const { plan, policy, store, log } = opts;
  const writer = await store.journal.open({
    sink: policy.config.doc.spec.journal?.stdout ? process.stdout : null,
    signer: opts.signer,
    warn: (m) => log.warn(m),
  });
  const journal = opts.events?.size ? withEvents(writer, opts.events) : writer;
  // The plan's providers, and those of changes an interrupted run left unresolved.
  const needed = [...new Set([...plan.changes, ...opts.history.interrupted().map((i) => i.change)].map((c) => c.provider))].filter(
    (n) => n in policy.config.doc.spec.providers,
  );
  let providers;
  try {
    providers = connectProviders(policy, { store, log, only: needed, wire: opts.wire, access: 'write' });
  } catch (e) {
    await writer.close();
    throw e;
  }
  try {
    return await applyPlan({
      plan,
      providers,
      journal,
      history: opts.history,
      actor: opts.actor,
      guardApprovedBy: opts.guardApprovedBy ?? null,
      approvedChanges: approvedChangeIds(policy, Date.now()),
      concurrency: policy.config.doc.spec.apply?.concurrency,
      retries: policy.config.doc.spec.apply?.retries,
      taskDesk: taskDesk(policy, store),
      log,
      signal: opts.signal,
      attestations: opts.attestations,
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
