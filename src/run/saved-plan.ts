import { ensureFullHistory } from '../git/full-history.js';
import { readPlanToApply } from '../apply/plan-binding.js';
import { evaluateGuard } from '../guard/guard.js';
import { buildHistory } from '../journal/build-history.js';
import type { JournalHistory } from '../journal/history.js';
import { pendingAttestations } from '../review/attest.js';
import { policyProvenance, type PolicyProvenance } from './provenance.js';
import type { StateStore } from '../state/store.js';
import type { Verifier } from '../types/signing.js';
import { canonicalJson } from '../journal/canonical-json.js';
import type { Logger } from '../logger.js';
import { selfApprovalFindings } from '../plan/assemble.js';
import { authorizeDocuments, type Authorship } from '../policy/git-authorization.js';
import type { Policy } from '../policy/model.js';
import type { GuardResult, Plan, ReviewAttestation } from '../types/index.js';

/**
 * A saved plan's guard, evaluated again when it is applied: over the plan's changes and
 * baseline, with the Config thresholds and the Approvals that count in the policy as it
 * is now (one merged since the plan was made covers its violations; one expired since
 * no longer does). Returns the plan to apply, with the guard's answer of now in place
 * of the saved one; the checksum still names the plan as it was saved. A plan from
 * before format 1.2 has no baseline: its saved guard stands, as said in the log.
 */
export function recheckGuard(plan: Plan, policy: Policy, authorship: Authorship | undefined, now: Date, log: Logger): Plan {
  if (!plan.baseline) {
    log.warn(
      `plan format ${plan.formatVersion} records no guard baseline: its guard is applied as saved, not evaluated again against today's Approvals (make the plan again to have it re-checked)`,
    );
    return plan;
  }
  const outcome = evaluateGuard({ changes: plan.changes, baseline: plan.baseline }, policy.config.doc, authorizeDocuments(policy, authorship), now);
  for (const f of selfApprovalFindings(outcome.selfApprovals)) log.warn(f.message);
  if (canonicalJson(outcome.result) === canonicalJson(plan.guard)) return plan;
  log.info(`guard evaluated again against the policy's Approvals now: ${describe(plan.guard)} when the plan was made, ${describe(outcome.result)} now`);
  return { ...plan, guard: outcome.result };
}

function describe(guard: GuardResult): string {
  const open = guard.violations.filter((v) => !v.approvedBy).length;
  const approved = guard.violations.length - open;
  if (guard.violations.length === 0) return 'no violation';
  return `${guard.tripped ? 'tripped' : 'passed'} (${open} unapproved, ${approved} approved: ${guard.violations.map((v) => `${v.kind} ${v.provider}${v.group ? ` "${v.group}"` : ''}${v.approvedBy ? ` by ${v.approvedBy}` : ''}`).join('; ')})`;
}

/** A plan to apply, the journal history it is applied against, and the access reviews to attest in the run. */
export interface ReadyPlan {
  readonly plan: Plan;
  readonly history: JournalHistory;
  readonly attestations: ReviewAttestation[];
}

/**
 * A saved plan made ready to apply: read and checked (version, checksum, age, origin,
 * signature; see readPlanToApply), its guard evaluated again (recheckGuard), the journal
 * read, and the access reviews to attest in the run. Git is asked who made each
 * Approval only when Config names approvers, and then once, for both.
 */
export async function readySavedPlan(
  file: string,
  opts: { policy: Policy; store: StateStore; verifier: Verifier | null; maxAgeMs: number; log: Logger },
): Promise<ReadyPlan> {
  const { policy, log } = opts;
  const saved = await readPlanToApply(file, { maxAgeMs: opts.maxAgeMs, nowMs: Date.now(), policy, verifier: opts.verifier });
  const history = buildHistory(await opts.store.journal.read());
  let provenance: PolicyProvenance | undefined;
  if (policy.config.doc.spec.approvers) {
    await ensureFullHistory(policy.dir, log);
    provenance = await policyProvenance(policy, log);
  }
  const plan = recheckGuard(saved, policy, provenance?.authorship, new Date(), log);
  return { plan, history, attestations: await pendingAttestations(policy, history, log, provenance?.blame) };
}
