import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/types/index.js';
import { runCli, tempDir } from './run-cli.js';
import { scimWorld, withRifApprovals, type ScimWorld } from './scim-world.js';
import { git, LEE, PRIYA, SAM } from '../support/git-repo.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

/**
 * Approvals and Exceptions authorised by Git history (SPEC §8, §11): with Config
 * `approvers`, a document counts only when the last commit that touched it was authored
 * by an approver — signed and verified with `requireSignedCommits` — and never for
 * changes its approver wrote. `approvedBy` typed in YAML counts for nothing.
 */
// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe('approvals authorised by Git', { timeout: 120_000 }, () => {
  const emus: { close(): Promise<void> }[] = [];
  let cwd: string;
  let env: Record<string, string>;
  let world: ScimWorld;
  afterAll(async () => {
    for (const e of emus) await e.close();
  });

  beforeEach(async () => {
    world = await scimWorld({ size: 20, leaving: 8, exchanges });
    emus.push(world.emu);
    ({ cwd, env } = world);
    world.policy.withConfig({ approvers: ['priya@acme.com', 'lee@acme.com'] });
    world.writePolicy();
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Sales policy');
  });

  const plan = async (): Promise<{ code: number; plan: Plan }> => {
    const r = await runCli(['plan', '--format', 'json'], { cwd, env });
    return { code: r.code, plan: JSON.parse(r.stdout) as Plan };
  };
  const refusals = (p: Plan) => p.findings.filter((f) => f.kind === 'approval_unauthorized').map((f) => f.message);

  it('counts an Approval committed by an approver, and not one committed by anyone else or not committed at all', async () => {
    expect((await plan()).code).toBe(3);
    withRifApprovals(world.policy);
    world.writePolicy();
    const uncommitted = await plan();
    expect(uncommitted.code).toBe(3);
    expect(refusals(uncommitted.plan).sort()).toEqual([
      'Approval/rif-all-staff is not committed to Git, so no approver has made it; it does not count',
      'Approval/rif-sales is not committed to Git, so no approver has made it; it does not count',
    ]);

    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Approve the RIF myself');
    const bySam = await plan();
    expect(bySam.code).toBe(3);
    expect(refusals(bySam.plan).sort()[1]).toMatch(
      /^Approval\/rif-sales was last changed by Sam Rivera <sam@acme.com> in [0-9a-f]{12}, who is not in Config approvers; it does not count$/,
    );

    // Priya re-commits the file (a reviewer's merge): now it counts.
    withRifApprovals(world.policy, { reason: 'RIF HR-1 (confirmed by People Ops)' });
    world.writePolicy();
    git(cwd, ...PRIYA, 'commit', '-qam', 'Approve the RIF');
    const byPriya = await plan();
    expect(byPriya.code, JSON.stringify(byPriya.plan.guard)).toBe(0);
    expect(byPriya.plan.guard.violations.map((v) => v.approvedBy).sort()).toEqual(['Approval/rif-all-staff', 'Approval/rif-sales']);
    expect(refusals(byPriya.plan)).toEqual([]);

    // An approval past its expiry counts for nothing, whoever committed it.
    withRifApprovals(world.policy, { expires: '2020-01-01' });
    world.writePolicy();
    git(cwd, ...PRIYA, 'commit', '-qam', 'An old approval');
    const expired = await plan();
    expect(expired.code).toBe(3);
    expect(expired.plan.guard.violations.every((v) => v.approvedBy === null)).toBe(true);
    withRifApprovals(world.policy, { reason: 'RIF HR-1 (confirmed by People Ops)' });
    world.writePolicy();
    git(cwd, ...PRIYA, 'commit', '-qam', 'Approve the RIF again');
    expect((await plan()).code).toBe(0);

    // Sam raising the allowance afterwards makes him the last to touch it: it stops counting.
    world.policy.approvals.find((a) => a.metadata.name === 'rif-sales')!.spec.allowRemovals = 80;
    world.writePolicy();
    git(cwd, ...SAM, 'commit', '-qam', 'More headroom');
    expect((await plan()).code).toBe(3);
  });

  it('never lets an approver approve changes that come from policy they wrote', async () => {
    // Priya writes the leaver rule herself, then approves its mass removal.
    world.policy.withRule('leaver', { trigger: 'terminated', stages: [{ after: '0h', actions: ['suspend', 'remove_all_groups'] }] });
    world.writePolicy();
    git(cwd, ...PRIYA, 'commit', '-qam', 'Leaver rule without sessions');
    withRifApprovals(world.policy);
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...PRIYA, 'commit', '-qm', 'Approve the RIF');
    const self = await plan();
    expect(self.code).toBe(3);
    expect(refusals(self.plan)).toContainEqual(
      expect.stringMatching(/^Approval\/rif-sales was committed by priya@acme.com, who wrote policy behind the changes it would approve \(group_removal app "Sales"\)/),
    );
    // Lee, another approver, approving it is fine.
    withRifApprovals(world.policy, { reason: 'RIF HR-1, reviewed' });
    world.writePolicy();
    git(cwd, ...LEE, 'commit', '-qam', 'Approve the RIF');
    expect((await plan()).code).toBe(0);
  });

  it('does not let anyone grant themselves an Exception', async () => {
    world.policy.withException('keep-admin', { person: 'priya@acme.com', grants: [{ provider: 'app', group: 'Sales' }], reason: 'audit support', expires: '2099-01-01' });
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...PRIYA, 'commit', '-qm', 'Keep my access');
    expect(refusals((await plan()).plan)).toContainEqual(expect.stringMatching(/^Exception\/keep-admin was committed by priya@acme.com, the person it grants access to/));
  });

  it('with requireSignedCommits, counts only an approver commit whose SSH signature verifies', async () => {
    const keys = tempDir();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'priya@acme.com', '-f', join(keys, 'priya')]);
    const publicKey = readFileSync(join(keys, 'priya.pub'), 'utf8').trim();
    writeFileSync(join(cwd, 'policies', 'allowed_signers'), `priya@acme.com ${publicKey}\n`);
    world.policy.withConfig({ requireSignedCommits: true, allowedSigners: 'allowed_signers' });
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Require signed approvals');

    withRifApprovals(world.policy);
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...PRIYA, 'commit', '-qm', 'Approve the RIF, unsigned');
    const unsigned = await plan();
    expect(unsigned.code).toBe(3);
    expect(refusals(unsigned.plan)).toContainEqual(
      expect.stringMatching(/^Approval\/rif-sales was last changed in [0-9a-f]{12}, whose signature is missing \(requireSignedCommits\)/),
    );

    withRifApprovals(world.policy, { reason: 'RIF HR-1, signed' });
    world.writePolicy();
    git(cwd, ...PRIYA, '-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(keys, 'priya')}`, 'commit', '-S', '-qam', 'Approve the RIF, signed');
    const signed = await plan();
    expect(refusals(signed.plan)).toEqual([]);
    expect(signed.code).toBe(0);
  });
});
