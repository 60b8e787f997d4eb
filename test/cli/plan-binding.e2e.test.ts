import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScimEmulator } from '../../providers/scim/emulator/index.js';
import { planChecksum } from '../../src/plan/checksum.js';
import { keyIdOf } from '../../src/signing/ed25519.js';
import type { Plan } from '../../src/types/index.js';
import { runCli, tempDir, type CliResult } from './run-cli.js';
import { journalLines, scimWorld, statusOf } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

let emulators: ScimEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'user.name=Sam Rivera', '-c', 'user.email=sam@acme.com', ...args], { cwd, encoding: 'utf8' }).trim();

/** The origin CI checks out: its URL carries a token, which must appear nowhere. */
const REMOTE_TOKEN = 'glcbt-7d1e-remote-token';
const ORIGIN = `https://gitlab-ci-token:${REMOTE_TOKEN}@git.example.com/acme/policy.git`;

/**
 * A scimWorld (one leaver) whose policy folder is committed in a Git repository with an
 * origin, and whose Config signs plans with an Ed25519 key given in LOCKSTEP_SIGNING_KEY
 * (public key committed beside the policy). `env` holds the key; `envWithoutKey` does not.
 */
async function signedWorld() {
  const w = await scimWorld({ size: 12, leaving: 1, exchanges });
  emulators.push(w.emu);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  w.policy.withConfig({ signing: { key: '${env:LOCKSTEP_SIGNING_KEY}', publicKey: 'signing.pub' } });
  w.writePolicy();
  writeFileSync(join(w.cwd, 'policies', 'signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  git(w.cwd, 'init', '-q', '-b', 'main');
  git(w.cwd, 'add', 'policies');
  git(w.cwd, 'commit', '-qm', 'access policy');
  git(w.cwd, 'remote', 'add', 'origin', ORIGIN);
  // The key's body lines: what must never be printed or written.
  const secretLines = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return { ...w, env: { ...w.env, LOCKSTEP_SIGNING_KEY: pem }, envWithoutKey: w.env, keyId: keyIdOf(publicKey), secretLines };
}

const writes = (emu: ScimEmulator) => emu.counters.total('PATCH') + emu.counters.total('DELETE') + emu.counters.total('POST');
const changeRecords = (cwd: string) =>
  existsSync(join(cwd, '.lockstep', 'journal.jsonl'))
    ? journalLines(cwd)
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'change')
    : [];
const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Plan;

/**
 * A signedWorld with its plan made (signed, saved to plan.json); `cli` runs in it with the
 * key unless told otherwise, and `assertNoSecrets` checks every output so far and the
 * files named for the key and the remote's token.
 */
async function plannedWorld() {
  const w = await signedWorld();
  const outputs: CliResult[] = [];
  const cli = async (args: string[], e: Record<string, string> = w.env) => {
    const r = await runCli(args, { cwd: w.cwd, env: e });
    outputs.push(r);
    return r;
  };
  const made = await cli(['plan', '--out', 'plan.json', '--format', 'json']);
  expect(made.code).toBe(0);
  const plan = readPlan(join(w.cwd, 'plan.json'));
  const assertNoSecrets = (files: string[]) => {
    const texts = [...outputs.flatMap((r) => [r.stdout, r.stderr]), ...files.map((f) => readFileSync(join(w.cwd, f), 'utf8'))];
    for (const text of texts) {
      expect(text).not.toContain('PRIVATE KEY');
      for (const line of w.secretLines) expect(text).not.toContain(line);
      expect(text).not.toContain(REMOTE_TOKEN);
    }
  };
  // The plan as someone holding no key would write it: without its signature.
  const { signature, ...unsigned } = plan;
  return { ...w, cli, made, plan, unsigned, signature: signature!, assertNoSecrets };
}

describe('saved plans bound to their repository and signed', () => {
  it('plan records the repository and signs; show says so; apply applies it; the key and the remote token appear nowhere', async () => {
    const { cwd, emu, cli, made, plan, keyId, leavers, assertNoSecrets } = await plannedWorld();
    expect(plan.formatVersion).toBe('1.2');
    expect(plan.policy).toMatchObject({ repository: 'git.example.com/acme/policy', path: 'policies', commit: git(cwd, 'rev-parse', 'HEAD') });
    expect(plan.signature).toMatchObject({ algorithm: 'ed25519', keyId });
    expect((JSON.parse(made.stdout) as Plan).signature).toEqual(plan.signature);

    const shown = await cli(['show', 'plan.json'], {});
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('in repository git.example.com/acme/policy, folder policies');
    expect(shown.stderr).toContain(`signed by ${keyId}, verified`);

    const applied = await cli(['apply', 'plan.json']);
    expect(applied.code).toBe(0);
    expect(statusOf(emu, leavers[0]!)).toBe('suspended');
    expect(changeRecords(cwd).length).toBeGreaterThan(0);
    assertNoSecrets(['plan.json', '.lockstep/journal.jsonl']);
  });

  it('refuses a signed plan edited and its checksum recomputed, applying nothing', async () => {
    const { cwd, emu, cli, unsigned, signature, keyId, leavers, assertNoSecrets } = await plannedWorld();
    // Someone drops the suspend from the plan and recomputes its checksum.
    const edited = { ...unsigned, changes: unsigned.changes.filter((c) => c.action !== 'suspend') };
    writeFileSync(join(cwd, 'edited.json'), JSON.stringify({ ...edited, checksum: planChecksum(edited), signature }, null, 2));
    const shown = await cli(['show', 'edited.json'], {});
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain(`signed by ${keyId}, NOT VERIFIED`);
    const refused = await cli(['apply', 'edited.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('plan signature does not verify: the plan was changed after it was signed; run plan again');
    expect(writes(emu)).toBe(0);
    expect(statusOf(emu, leavers[0]!)).toBe('active');
    expect(changeRecords(cwd)).toEqual([]);
    assertNoSecrets([]);
  });

  it('where the key is not given (a pull request), plan makes an unsigned plan, which apply refuses', async () => {
    const { cwd, emu, cli, envWithoutKey, keyId, assertNoSecrets } = await plannedWorld();
    const noKey = await cli(['plan', '--out', 'unsigned.json'], envWithoutKey);
    expect(noKey.code).toBe(0);
    expect(noKey.stderr).toContain('plan not signed: signing key ${env:LOCKSTEP_SIGNING_KEY} is not available here');
    expect(readPlan(join(cwd, 'unsigned.json')).signature).toBeUndefined();
    expect((await cli(['show', 'unsigned.json'], {})).stderr).toContain('unsigned.json: unsigned');
    const refused = await cli(['apply', 'unsigned.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`plan is not signed, and Config spec.signing requires plans signed by ${keyId}`);
    expect(writes(emu)).toBe(0);
    expect(changeRecords(cwd)).toEqual([]);
    assertNoSecrets(['unsigned.json']);
  });

  it('a 1.0 plan is still shown; apply in a Git repository refuses it, for want of a signature and of a repository', async () => {
    const { cwd, emu, cli, plan, unsigned, envWithoutKey, policy, writePolicy } = await plannedWorld();
    const { repository: _r, path: _p, ...policy10 } = plan.policy;
    const old = { ...unsigned, formatVersion: '1.0', policy: policy10 };
    writeFileSync(join(cwd, 'old.json'), JSON.stringify({ ...old, checksum: planChecksum(old) }));
    const shown = await cli(['show', 'old.json'], {});
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('repository not recorded (plan format 1.0)');
    expect(shown.stdout).toContain('suspend');
    expect((await cli(['apply', 'old.json'])).stderr).toContain('plan is not signed');
    // Without a key configured, the missing repository alone refuses it.
    delete policy.config.spec.signing;
    writePolicy();
    const refused = await cli(['apply', 'old.json'], envWithoutKey);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'plan records no repository (made outside Git or by Lockstep before plan format 1.1), but the policy here is in repository git.example.com/acme/policy',
    );
    expect(writes(emu)).toBe(0);
    expect(changeRecords(cwd)).toEqual([]);
  });

  it('refuses a plan made from another repository, and one made from a branch that was not merged', async () => {
    const { cwd, emu, env } = await signedWorld();

    // A fork whose CI holds the same key plans against the same providers.
    const fork = join(tempDir(), 'fork');
    git(cwd, 'clone', '-q', cwd, fork);
    git(fork, 'remote', 'set-url', 'origin', 'git@git.example.com:mallory/policy.git');
    const forkPlan = await runCli(['plan', '--out', 'fork-plan.json'], { cwd: fork, env });
    expect(forkPlan.code).toBe(0);
    expect(readPlan(join(fork, 'fork-plan.json')).policy.repository).toBe('git.example.com/mallory/policy');
    const foreign = await runCli(['apply', join(fork, 'fork-plan.json')], { cwd, env });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('plan was made from repository git.example.com/mallory/policy, but the policy here is in repository git.example.com/acme/policy');

    // A branch that grants more, planned (and signed) but never merged.
    git(cwd, 'checkout', '-qb', 'more-sales');
    appendFileSync(join(cwd, 'policies', 'roles.yaml'), '# a change under review\n');
    git(cwd, 'commit', '-qam', 'under review');
    const branchCommit = git(cwd, 'rev-parse', 'HEAD');
    expect((await runCli(['plan', '--out', 'branch-plan.json'], { cwd, env })).code).toBe(0);
    git(cwd, 'checkout', '-q', 'main');
    const unmerged = await runCli(['apply', 'branch-plan.json'], { cwd, env });
    expect(unmerged.code).toBe(1);
    expect(unmerged.stderr).toContain(`plan was made from policy commit ${branchCommit}, which is not in the history of HEAD`);

    expect(writes(emu)).toBe(0);
    expect(changeRecords(cwd)).toEqual([]);
  });
});
