import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAge, readSavedPlan } from '../../src/apply/saved-plan.js';
import { readPlanToApply, refuseForeignPlan, type PolicyHere } from '../../src/apply/plan-binding.js';
import type { PolicyOrigin } from '../../src/git/repository.js';
import { planChecksum } from '../../src/plan/checksum.js';
import { signPlan } from '../../src/plan/signature.js';
import type { Policy } from '../../src/policy/model.js';
import { signerFromPem, type Verifier } from '../../src/signing/ed25519.js';
import type { Plan } from '../../src/types/index.js';
import { aChange, aPlan } from '../support/changes.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockstep-plan-'));
  file = join(dir, 'plan.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const created = '2026-11-22T00:00:00.000Z';
const now = Date.parse(created) + 60_000;
const checks = { maxAgeMs: 24 * 3_600_000, nowMs: now };
const plan = () => aPlan([aChange({ action: 'suspend', precondition: { accountStatus: ['active'] } })], { createdAt: created });
const save = (value: unknown) => writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

describe('readSavedPlan', () => {
  it('reads a valid, unmodified, fresh plan', async () => {
    const p = plan();
    await save(p);
    expect(await readSavedPlan(file, checks)).toEqual(p);
  });

  it('accepts a newer minor format version', async () => {
    const p = { ...plan(), formatVersion: '1.7' };
    await save({ ...p, checksum: planChecksum(p) });
    expect((await readSavedPlan(file, checks)).formatVersion).toBe('1.7');
  });

  it('refuses a file that is not JSON', async () => {
    await save('{ "formatVersion": ');
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/not a plan file: it is not JSON/);
  });

  it('refuses a missing file', async () => {
    await expect(readSavedPlan(join(dir, 'nope.json'), checks)).rejects.toThrow(/no such plan file/);
  });

  it('refuses a schema-invalid plan', async () => {
    const { guard: _guard, ...rest } = plan();
    await save(rest);
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/not a valid plan: .*guard/);
  });

  it('refuses an unsupported format major', async () => {
    await save({ ...plan(), formatVersion: '2.0' });
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/formatVersion 2\.0 is not supported: this Lockstep reads 1\.x plans/);
  });

  it('refuses a plan modified after it was made', async () => {
    const p = plan();
    p.changes[0]!.target = { account: { id: '00u2', login: 'bob@acme.com' } };
    await save(p);
    await expect(readSavedPlan(file, checks)).rejects.toThrow(/plan file was modified after it was made/);
  });

  it('refuses a plan older than the maximum age', async () => {
    await save(plan());
    await expect(readSavedPlan(file, { maxAgeMs: checks.maxAgeMs, nowMs: Date.parse(created) + 25 * 3_600_000 })).rejects.toThrow(
      `Saved plan is stale: made ${created}, older than 24h; run plan again`,
    );
    expect(await readSavedPlan(file, { maxAgeMs: Infinity, nowMs: Date.parse('2030-01-01T00:00:00Z') })).toBeTruthy();
  });

  it('the checksum ignores createdAt, checksum and signature but covers everything else', () => {
    const p = plan();
    expect(planChecksum({ ...p, createdAt: '2020-01-01T00:00:00Z', checksum: 'x', signature: { algorithm: 'ed25519', keyId: 'k', value: 'v' } })).toBe(p.checksum);
    expect(planChecksum({ ...p, now: '2026-11-23T00:00:00Z' })).not.toBe(p.checksum);
    expect(p.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('formats ages by their largest whole unit', () => {
    expect([formatAge(86_400_000), formatAge(7 * 86_400_000), formatAge(90 * 60_000), formatAge(1500)]).toEqual(['24h', '7d', '90m', '1500ms']);
  });
});

/** A plan made from the policy `acme` in folder `policies` of github.com/acme/policy at `commit`. */
function boundPlan(policy: Partial<Plan['policy']> = {}): Plan {
  const p = plan();
  const bound: Plan = {
    ...p,
    formatVersion: '1.1',
    policy: { name: 'acme', commit: 'c0ffee', digest: 'sha256:policy-at-plan', repository: 'github.com/acme/policy', path: 'policies', ...policy },
  };
  return { ...bound, checksum: planChecksum(bound) };
}

/** The policy here: github.com/acme/policy, folder policies, whose history holds `inHistory`'s commits. */
function here(
  opts: { verifier?: Verifier | null; origin?: PolicyOrigin; digest?: string; commits?: Record<string, 'reachable' | 'unreachable' | 'missing'> } = {},
): PolicyHere {
  return {
    name: 'acme',
    digest: opts.digest ?? 'sha256:policy-here',
    origin: opts.origin ?? { repository: 'github.com/acme/policy', path: 'policies' },
    verifier: opts.verifier ?? null,
    inHistory: async (commit) => ({ state: opts.commits?.[commit] ?? 'missing', shallow: false }),
  };
}

const reachable = { c0ffee: 'reachable' } as const;
const keyPair = () => signerFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'test key');

describe('refuseForeignPlan', () => {
  it('accepts a plan from this repository, folder and policy whose commit is in the history of HEAD', async () => {
    await expect(refuseForeignPlan('plan.json', boundPlan(), here({ commits: reachable }))).resolves.toBeUndefined();
  });

  it('refuses a plan from another repository', async () => {
    const p = boundPlan({ repository: 'github.com/mallory/policy' });
    await expect(refuseForeignPlan('plan.json', p, here({ commits: reachable }))).rejects.toThrow(
      'plan.json: plan was made from repository github.com/mallory/policy, but the policy here is in repository github.com/acme/policy: make the plan from this policy repository and apply that',
    );
  });

  it('refuses a plan from another policy folder of the same repository', async () => {
    await expect(refuseForeignPlan('plan.json', boundPlan({ path: 'staging' }), here({ commits: reachable }))).rejects.toThrow(
      /plan was made from the policy folder staging of github\.com\/acme\/policy, but the policy here is policies/,
    );
  });

  it('refuses a plan made for another policy (Config name)', async () => {
    await expect(refuseForeignPlan('plan.json', boundPlan({ name: 'globex' }), here({ commits: reachable }))).rejects.toThrow(
      /plan was made for policy "globex", but this policy is "acme"/,
    );
  });

  it('refuses, inside Git, a 1.0 plan or a plan made outside Git: nothing ties it to this repository', async () => {
    const old = plan(); // format 1.0: no repository recorded
    await expect(refuseForeignPlan('plan.json', old, here({ commits: { abc123: 'reachable' } }))).rejects.toThrow(
      /plan records no repository \(made outside Git or by Lockstep before plan format 1\.1\), but the policy here is in repository github\.com\/acme\/policy/,
    );
    await expect(refuseForeignPlan('plan.json', boundPlan({ repository: null, path: '.' }), here({ commits: reachable }))).rejects.toThrow(
      /plan records no repository \(made outside Git\), but/,
    );
  });

  it('refuses, outside Git, a plan made in a repository; accepts one made outside Git (only the name binds it)', async () => {
    const outside = here({ origin: { repository: null, path: '.' } });
    await expect(refuseForeignPlan('plan.json', boundPlan(), outside)).rejects.toThrow(/but the policy here is in no Git repository/);
    await expect(refuseForeignPlan('plan.json', boundPlan({ repository: null, path: '.' }), outside)).resolves.toBeUndefined();
    await expect(refuseForeignPlan('plan.json', plan(), outside)).resolves.toBeUndefined();
  });

  it('refuses a plan whose commit is not in the history of HEAD (an unmerged branch), or not in this clone at all', async () => {
    await expect(refuseForeignPlan('plan.json', boundPlan(), here({ commits: { c0ffee: 'unreachable' } }))).rejects.toThrow(
      /plan was made from policy commit c0ffee, which is not in the history of HEAD, and from a policy that differs from the one here: a plan from a branch that was not merged is never applied/,
    );
    await expect(refuseForeignPlan('plan.json', boundPlan(), here())).rejects.toThrow(/policy commit c0ffee, which is not in this clone/);
    await expect(refuseForeignPlan('plan.json', boundPlan({ commit: null }), here())).rejects.toThrow(/plan records no policy commit/);
  });

  it("accepts a plan whose commit never entered this history when it was made from exactly the policy here (a pull request's plan after a squash merge)", async () => {
    const p = boundPlan({ commit: 'pr-merge-ref', digest: 'sha256:same' });
    await expect(refuseForeignPlan('plan.json', p, here({ digest: 'sha256:same' }))).resolves.toBeUndefined();
  });

  describe('with Config spec.signing', () => {
    const key = keyPair();

    it('accepts a plan signed by the key', async () => {
      await expect(refuseForeignPlan('plan.json', signPlan(boundPlan(), key), here({ verifier: key, commits: reachable }))).resolves.toBeUndefined();
    });

    it('refuses an unsigned plan', async () => {
      await expect(refuseForeignPlan('plan.json', boundPlan(), here({ verifier: key, commits: reachable }))).rejects.toThrow(
        `plan.json: plan is not signed, and Config spec.signing requires plans signed by ${key.keyId}: make the plan where the signing key is available (lockstep plan --out) and apply that plan`,
      );
    });

    it('refuses a plan signed by another key', async () => {
      const other = keyPair();
      await expect(refuseForeignPlan('plan.json', signPlan(boundPlan(), other), here({ verifier: key, commits: reachable }))).rejects.toThrow(
        `plan.json: plan is signed by ${other.keyId}, not by this policy's key ${key.keyId}`,
      );
    });

    it('refuses a signed plan edited and re-hashed, and checks the signature before the fields it protects', async () => {
      const signed = signPlan(boundPlan(), key);
      const edited = { ...signed, changes: [], policy: { ...signed.policy, repository: 'github.com/mallory/policy' } };
      const rehashed = { ...edited, checksum: planChecksum(edited) };
      await save(rehashed);
      // The checksum alone cannot tell: readSavedPlan accepts it.
      expect((await readSavedPlan(file, checks)).checksum).toBe(rehashed.checksum);
      await expect(refuseForeignPlan('plan.json', rehashed, here({ verifier: key, commits: reachable }))).rejects.toThrow(
        'plan.json: plan signature does not verify: the plan was changed after it was signed; run plan again',
      );
    });

    it('still refuses a signed plan from another repository', async () => {
      await expect(
        refuseForeignPlan('plan.json', signPlan(boundPlan({ repository: 'github.com/acme/other' }), key), here({ verifier: key, commits: reachable })),
      ).rejects.toThrow(/made from repository github\.com\/acme\/other/);
    });
  });
});

describe('readPlanToApply', () => {
  const run = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'user.name=Sam', '-c', 'user.email=sam@acme.com', ...args], { cwd, encoding: 'utf8' }).trim();
  let repo: string;
  let merged: string;
  let unmerged: string;
  beforeEach(async () => {
    repo = join(dir, 'repo');
    await mkdir(join(repo, 'policies'), { recursive: true });
    run(dir, 'init', '-q', '-b', 'main', repo);
    await writeFile(join(repo, 'policies', 'config.yaml'), 'kind: Config\n');
    run(repo, 'add', '.');
    run(repo, 'commit', '-qm', 'policy');
    merged = run(repo, 'rev-parse', 'HEAD');
    run(repo, 'checkout', '-qb', 'grant-me-admin');
    await writeFile(join(repo, 'policies', 'config.yaml'), 'kind: Config # admin\n');
    run(repo, 'commit', '-qam', 'admin');
    unmerged = run(repo, 'rev-parse', 'HEAD');
    run(repo, 'checkout', '-q', 'main');
    run(repo, 'remote', 'add', 'origin', 'https://ci:hunter2-token@GitHub.com/acme/policy.git');
  });

  // Only what policyHere reads of a loaded policy.
  const policyIn = (policyDir: string) => ({ dir: policyDir, digest: 'sha256:policy-here', config: { doc: { metadata: { name: 'acme' } } } }) as unknown as Policy;

  it('applies a plan made from a commit in the history of HEAD, and refuses one from an unmerged branch, by the repository on disk', async () => {
    await save(boundPlan({ commit: merged }));
    const opts = { ...checks, policy: policyIn(join(repo, 'policies')), verifier: null };
    expect((await readPlanToApply(file, opts)).policy.commit).toBe(merged);
    await save(boundPlan({ commit: unmerged }));
    await expect(readPlanToApply(file, opts)).rejects.toThrow(`policy commit ${unmerged}, which is not in the history of HEAD`);
  });

  it('refuses a plan from another folder of the repository', async () => {
    await mkdir(join(repo, 'staging'));
    await save(boundPlan({ commit: merged }));
    await expect(readPlanToApply(file, { ...checks, policy: policyIn(join(repo, 'staging')), verifier: null })).rejects.toThrow(/but the policy here is staging/);
  });

  it('makes the checks of readSavedPlan first', async () => {
    const p = boundPlan({ commit: merged });
    await save({ ...p, changes: [] });
    await expect(readPlanToApply(file, { ...checks, policy: policyIn(join(repo, 'policies')), verifier: null })).rejects.toThrow(
      /plan file was modified after it was made/,
    );
  });
});
