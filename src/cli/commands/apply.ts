import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ExitCode, UserError } from '../../errors.js';
import { summariseReport } from '../../apply/report.js';
import { runApply } from '../../run/apply-run.js';
import { loadPlanningPolicy, planToApplyNow } from '../../run/plan-run.js';
import { parseDuration } from '../../policy/time.js';
import { renderText } from '../../render/text.js';
import { policyKeys } from '../../run/keys.js';
import { readySavedPlan, type ReadyPlan } from '../../run/saved-plan.js';
import { stderrLogger, useColor, writeErr, writeOut } from '../output.js';
import { actor, parseDurationFlag, parseNow, withStateStore } from '../workspace.js';
import { withRecording } from '../recording.js';

export interface ApplyCommandOptions {
  policies: string;
  people?: string;
  autoApprove?: boolean;
  approveGuard?: string;
  maxAge?: string;
  journal?: string;
  stateDir?: string;
  state?: string;
  now?: string;
  record?: string;
}

/**
 * `lockstep apply [PLAN_FILE]`: applies exactly a saved plan (checked for version,
 * checksum, origin and age; its guard evaluated again against the Approvals in the
 * policy now), or plans now and asks for confirmation. Merged access reviews
 * the journal does not hold yet are attested in the run, even when nothing changes.
 * HR events the roster now agrees with stop standing. Exit 3 when the guard halts, 1
 * when any change failed.
 */
export async function applyCommand(planFile: string | undefined, opts: ApplyCommandOptions): Promise<number> {
  const maxAgeFlag = opts.maxAge === undefined ? undefined : parseDurationFlag('--max-age', opts.maxAge);
  const log = stderrLogger();
  const policy = await loadPlanningPolicy(resolve(opts.policies), { offline: false, peopleFile: opts.people, log });
  const keys = await policyKeys(policy, { withPrivateKey: true });
  return withStateStore(policy, opts, { log, write: true }, (store) =>
    withRecording(opts.record, 'apply', async (wire) => {
      const release = await store.acquireApplyLock();
      try {
        let ready: ReadyPlan;
        if (planFile) {
          const maxAgeMs = maxAgeFlag ?? parseDuration(policy.config.doc.spec.apply?.maxPlanAge ?? '24h');
          ready = await readySavedPlan(resolve(planFile), { policy, store, verifier: keys.verifier, maxAgeMs, log });
        } else {
          ready = await planToApplyNow({ policy, peopleFile: opts.people ? resolve(opts.people) : undefined, store, now: parseNow(opts.now), log, wire });
          writeErr(renderText(ready.plan, { color: useColor(process.stderr) }));
          // A merged review whose decisions change nothing is still attested; that needs no confirmation.
          if (ready.plan.changes.length === 0 && ready.attestations.length === 0) return ExitCode.Ok;
          if (ready.plan.changes.length > 0 && !opts.autoApprove && !(await confirm('Apply these changes? Only "yes" is accepted: '))) {
            writeErr('Apply cancelled.\n');
            return ExitCode.Error;
          }
        }
        const { plan, history, attestations } = ready;
        if (opts.approveGuard !== undefined && opts.approveGuard !== plan.checksum) {
          throw new UserError(`--approve-guard ${opts.approveGuard} does not match this plan's checksum ${plan.checksum}: it approves exactly one plan`);
        }
        const guardApprovedBy = plan.guard.tripped && opts.approveGuard === plan.checksum ? `${actor()} via --approve-guard ${plan.checksum}` : null;
        const report = await runApply({ plan, policy, history, store, actor: actor(), log, signer: keys.signer, guardApprovedBy, attestations, wire });
        for (const a of report.attested) writeOut(`attested ${a.note}\n`);
        for (const r of report.results) {
          if (r.result === 'ok' || r.result === 'already' || r.result === 'halted') continue;
          writeOut(
            `${r.result.padEnd(7)} ${r.change.id} ${r.change.action} ${r.change.provider} ${r.change.target.account?.login ?? ''}${r.change.target.group ? ` "${r.change.target.group.name}"` : ''}${r.error ? `: ${r.error}` : r.detail ? `: ${r.detail}` : ''}\n`,
          );
        }
        writeOut(`${summariseReport(report)}\n`);
        if (report.halted) {
          writeErr(`The guard tripped: approve with an Approval document, or exactly this plan with --approve-guard ${plan.checksum}\n`);
          return ExitCode.GuardTripped;
        }
        return report.counts.failed > 0 ? ExitCode.Error : ExitCode.Ok;
      } finally {
        await release();
      }
    }),
  );
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UserError('refusing to apply without confirmation: not a terminal; pass --auto-approve or apply a saved plan file');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === 'yes';
  } finally {
    rl.close();
  }
}
