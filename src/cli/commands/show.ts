import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode } from '../../errors.js';
import { readSavedPlan } from '../../apply/saved-plan.js';
import { describePlanSignature, planSignatureStatus } from '../../plan/signature.js';
import { loadPolicy } from '../../run/load-policy.js';
import { verifierFromFile, type Verifier } from '../../signing/ed25519.js';
import { policyKeys } from '../../run/keys.js';
import type { Plan } from '../../types/index.js';
import { renderPlan, type PlanFormat } from '../render-plan.js';
import { writeErr, writeOut } from '../output.js';

export interface ShowCommandOptions {
  format: PlanFormat;
  /** Check the signature with this public key (SPKI PEM). */
  publicKey?: string;
  /** Check it with this policy folder's Config spec.signing (default ./policies, when it exists). */
  policies?: string;
}

/**
 * `lockstep show PLAN_FILE`: renders a saved plan (checksum verified; any age), and says on
 * stderr where it was made and whether its signature verifies. It refuses nothing a
 * signature or repository check would: that is apply's part.
 */
export async function showCommand(file: string, opts: ShowCommandOptions): Promise<number> {
  const plan = await readSavedPlan(resolve(file), { maxAgeMs: Number.POSITIVE_INFINITY, nowMs: Date.now() });
  const verifier = await showVerifier(opts);
  writeErr(`${file}: ${describeOrigin(plan)}\n${file}: ${describePlanSignature(planSignatureStatus(plan, verifier))}\n`);
  writeOut(renderPlan(plan, opts.format));
  return ExitCode.Ok;
}

async function showVerifier(opts: ShowCommandOptions): Promise<Verifier | null> {
  if (opts.publicKey) return verifierFromFile(resolve(opts.publicKey), `--public-key ${opts.publicKey}`);
  const dir = resolve(opts.policies ?? 'policies');
  // Without --policies, a folder that is not there just means no key to check with.
  if (!opts.policies && !existsSync(dir)) return null;
  const policy = await loadPolicy(dir, { checkSecrets: false, requirePeopleFile: false });
  return (await policyKeys(policy, { withPrivateKey: false })).verifier;
}

function describeOrigin(plan: Plan): string {
  const { repository, path, commit, name } = plan.policy;
  if (repository === undefined) return `made from policy ${name} at commit ${commit ?? '(none)'}; repository not recorded (plan format ${plan.formatVersion})`;
  if (repository === null) return `made from policy ${name} outside Git`;
  return `made from policy ${name} in repository ${repository}, folder ${path ?? '(not recorded)'}, commit ${commit ?? '(none)'}`;
}
