import { UserError } from '../errors.js';
import { commitInHistory, policyOrigin, type PolicyOrigin } from '../git/repository.js';
import { planSignatureStatus } from '../plan/signature.js';
import type { Policy } from '../policy/model.js';
import type { Verifier } from '../signing/ed25519.js';
import type { Plan } from '../types/index.js';
import { readSavedPlan, type SavedPlanChecks } from './saved-plan.js';

/** The policy a saved plan is about to be applied with: what the plan must have been made from. */
export interface PolicyHere {
  /** Config metadata.name. */
  readonly name: string;
  /** sha256 of the policy files as loaded here (Policy.digest). */
  readonly digest: string;
  readonly origin: PolicyOrigin;
  /** Whether a commit is HEAD or an ancestor of it in the repository here (see commitInHistory). */
  inHistory(commit: string): ReturnType<typeof commitInHistory>;
  /** Config spec.signing's key (private or public); null when none is configured. */
  readonly verifier: Verifier | null;
}

export function policyHere(policy: Policy, origin: PolicyOrigin, verifier: Verifier | null): PolicyHere {
  return { name: policy.config.doc.metadata.name, digest: policy.digest, origin, verifier, inHistory: (commit) => commitInHistory(policy.dir, commit) };
}

/**
 * readSavedPlan, then proves the plan belongs to the policy here (refuseForeignPlan): what
 * `apply PLAN_FILE` reads.
 */
export async function readPlanToApply(file: string, checks: SavedPlanChecks & { policy: Policy; verifier: Verifier | null }): Promise<Plan> {
  const plan = await readSavedPlan(file, checks);
  await refuseForeignPlan(file, plan, policyHere(checks.policy, await policyOrigin(checks.policy.dir), checks.verifier));
  return plan;
}

const shown = (repository: string | null | undefined): string => (repository ? `repository ${repository}` : 'no Git repository');

/**
 * Throws a UserError unless `plan` was made from the policy here, in this order:
 * 1. With a key configured, the plan is signed by that key and the signature verifies
 *    (without one, a plan edited and re-hashed cannot be told from a real one: the
 *    checksum is only a self-hash). Checked first: the fields below mean nothing unsigned.
 * 2. Same Config name; same repository (a plan recording none — format 1.0, or made
 *    outside Git — is refused inside Git: nothing ties it to this repository); inside Git,
 *    the same policy folder path.
 * 3. Inside Git, the plan's commit is HEAD or an ancestor of it, or the plan was made from
 *    exactly the policy files here (same digest: a pull request's plan after a squash or
 *    merge commit, whose own commit never enters this history). A plan from a branch
 *    that was not merged satisfies neither.
 */
export async function refuseForeignPlan(file: string, plan: Plan, here: PolicyHere): Promise<void> {
  if (here.verifier) {
    const status = planSignatureStatus(plan, here.verifier);
    const keyId = here.verifier.keyId;
    if (status.state === 'unsigned') {
      throw new UserError(
        `${file}: plan is not signed, and Config spec.signing requires plans signed by ${keyId}: make the plan where the signing key is available (lockstep plan --out) and apply that plan`,
      );
    }
    if (status.state === 'other_key') {
      throw new UserError(`${file}: plan is signed by ${status.keyId}, not by this policy's key ${keyId}: apply only plans made with this policy's signing key`);
    }
    if (status.state === 'invalid') {
      throw new UserError(`${file}: plan signature does not verify: the plan was changed after it was signed; run plan again`);
    }
  }

  const made = plan.policy;
  if (made.name !== here.name) {
    throw new UserError(
      `${file}: plan was made for policy "${made.name}", but this policy is "${here.name}": apply it with --policies pointing at the policy it was made from`,
    );
  }
  const repository = made.repository ?? null;
  if (repository !== here.origin.repository) {
    const why =
      repository === null
        ? `records no repository (made outside Git${made.repository === undefined ? ' or by Lockstep before plan format 1.1' : ''})`
        : `was made from ${shown(repository)}`;
    throw new UserError(`${file}: plan ${why}, but the policy here is in ${shown(here.origin.repository)}: make the plan from this policy repository and apply that`);
  }
  if (here.origin.repository === null) return;
  if (made.path !== here.origin.path) {
    throw new UserError(
      `${file}: plan was made from the policy folder ${made.path ?? '(not recorded)'} of ${repository}, but the policy here is ${here.origin.path}: apply it with --policies pointing at that folder`,
    );
  }

  if (made.digest !== undefined && made.digest === here.digest) return;
  if (made.commit === null) {
    throw new UserError(`${file}: plan records no policy commit (made before the repository's first commit) and its policy differs from the policy here: run plan again`);
  }
  const found = await here.inHistory(made.commit);
  if (found.state === 'reachable') return;
  const hint = found.shallow ? ' (this is a shallow clone: fetch the full history, git fetch --unshallow, if the commit should be there)' : '';
  const where = found.state === 'missing' ? 'is not in this clone' : 'is not in the history of HEAD';
  throw new UserError(
    `${file}: plan was made from policy commit ${made.commit}, which ${where}, and from a policy that differs from the one here: a plan from a branch that was not merged is never applied; merge the change, then plan from the merged policy${hint}`,
  );
}
