import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode } from '../../errors.js';
import { loadPlanningPolicy, makePlan } from '../../run/plan-run.js';
import { signPlan } from '../../plan/signature.js';
import { planSigner } from '../../run/keys.js';
import { renderPlan, type PlanFormat } from '../render-plan.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { parseNow, planFiles, withStateStore } from '../workspace.js';
import { withRecording } from '../recording.js';
import type { ProviderWiring } from '../../run/connect.js';

export interface PlanCommandOptions {
  policies: string;
  people?: string;
  snapshot?: string;
  sandbox?: boolean;
  now?: string;
  format: PlanFormat;
  out?: string;
  detailedExitcode?: boolean;
  journal?: string;
  stateDir?: string;
  state?: string;
  record?: string;
}

/**
 * `lockstep plan`: exit 3 when the guard trips, 2 with --detailed-exitcode when there are
 * changes. The plan is signed when Config spec.signing.key is available here.
 */
export async function planCommand(opts: PlanCommandOptions): Promise<number> {
  return withRecording(opts.record, 'plan', (wire) => plan(opts, wire));
}

async function plan(opts: PlanCommandOptions, wire: ProviderWiring | undefined): Promise<number> {
  const log = stderrLogger();
  const now = parseNow(opts.now);
  const files = planFiles(opts);
  // The policy is read before anything is observed: a missing folder or a bad document stops the run first.
  const policy = await loadPlanningPolicy(files.policiesDir, {
    offline: opts.sandbox === true || files.snapshotFile !== undefined,
    peopleFile: files.peopleFile,
    log,
  });
  const sandbox = opts.sandbox ? await import('../../sandbox/sandbox.js').then((m) => m.startSandboxForPlan({ ...opts, wire }, log)) : null;
  try {
    const snapshot = sandbox ? await sandbox.observe() : undefined;
    const signer = await planSigner(policy, log);
    const made = await withStateStore(policy, opts, { log, write: false }, (store) =>
      makePlan({ policy, peopleFile: files.peopleFile, snapshotFile: files.snapshotFile, snapshot, store, now, log, wire }),
    );
    const plan = signer ? signPlan(made.plan, signer) : made.plan;
    if (opts.out) {
      await writeFile(resolve(opts.out), JSON.stringify(plan, null, 2) + '\n');
      writeErr(`plan saved to ${opts.out} (checksum ${plan.checksum})\n`);
    }
    writeOut(renderPlan(plan, opts.format));
    if (plan.guard.tripped) return ExitCode.GuardTripped;
    if (opts.detailedExitcode && plan.changes.length > 0) return ExitCode.ChangesPresent;
    return ExitCode.Ok;
  } finally {
    await sandbox?.stop();
  }
}
