import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/types/index.js';
import { git, PRIYA, SAM, shallowClone } from '../support/git-repo.js';
import { runCli, tempDir } from './run-cli.js';
import { journalLines, membersOf, scimWorld, statusOf, withRifApprovals } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

/**
 * A shallow clone (what actions/checkout makes by default) credits every line to the
 * commit it was cut at. Here that commit is an approver's unrelated one: read as it is,
 * the non-approver's Exception would count, the approver's Approvals would be refused as
 * self-approval, and every change would cite HEAD. Lockstep deepens the clone from its
 * remote or refuses to run (SPEC §11).
 */
// Each test runs CLI processes in sequence: minutes on a loaded 2-core machine.
describe('a shallow clone of the policy repository', { timeout: 120_000 }, () => {
  let world: Awaited<ReturnType<typeof scimWorld>>;
  const commits: Record<'policy' | 'approvals' | 'exception' | 'unrelated', string> = { policy: '', approvals: '', exception: '', unrelated: '' };

  beforeAll(async () => {
    world = await scimWorld({ size: 20, leaving: 8, exchanges });
    const { cwd } = world;
    world.policy.withConfig({ approvers: ['priya@acme.com', 'lee@acme.com'] });
    world.writePolicy();
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Sales policy');
    commits.policy = git(cwd, 'rev-parse', 'HEAD');
    withRifApprovals(world.policy);
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...PRIYA, 'commit', '-qm', 'Approve the RIF');
    commits.approvals = git(cwd, 'rev-parse', 'HEAD');
    world.policy.withException('keep-sales', { person: 'p0@acme.com', grants: [{ provider: 'app', group: 'Sales' }], reason: 'handover', expires: '2099-01-01' });
    world.writePolicy();
    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Keep p0 in Sales');
    commits.exception = git(cwd, 'rev-parse', 'HEAD');
    writeFileSync(join(cwd, 'CODEOWNERS'), '* @acme/access\n');
    git(cwd, 'add', '.');
    git(cwd, ...PRIYA, 'commit', '-qm', 'Code owners');
    commits.unrelated = git(cwd, 'rev-parse', 'HEAD');
  });
  afterAll(async () => {
    await world.emu.close();
  });

  it('deepens itself from its remote, then authorises and attributes by the true commits', async () => {
    const clone = shallowClone(world.cwd);
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const r = await runCli(['plan', '--format', 'json'], { cwd: clone, env: world.env });
    expect(r.stderr).toContain('is a shallow clone: fetching its full history from origin (git fetch --unshallow)');
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('false');
    const plan = JSON.parse(r.stdout) as Plan;
    // Priya's Approvals count (she wrote none of the policy behind the removals): the guard holds.
    expect(r.code, JSON.stringify(plan.guard)).toBe(0);
    expect(plan.guard.violations.map((v) => v.approvedBy).sort()).toEqual(['Approval/rif-all-staff', 'Approval/rif-sales']);
    // Sam's Exception does not, though Priya's later commit is the one a shallow clone would credit.
    expect(plan.findings.filter((f) => f.kind === 'approval_unauthorized').map((f) => f.message)).toEqual([
      `Exception/keep-sales was last changed by Sam Rivera <sam@acme.com> in ${commits.exception.slice(0, 12)}, who is not in Config approvers; it does not count`,
    ]);
    const lifecycle = plan.changes.filter((c) => c.reason.kind === 'lifecycle');
    expect(lifecycle.length).toBeGreaterThan(0);
    for (const c of lifecycle) expect(c.reason.commit).toMatchObject({ sha: commits.policy, author: 'Sam Rivera <sam@acme.com>' });
  });

  it('without a remote to deepen from, stops before observing or applying anything and says how to fix it', async () => {
    const leaver = world.leavers[0]!;
    const before = membersOf(world.emu, 'Sales');
    expect(statusOf(world.emu, leaver)).toBe('active');

    const noRemote = shallowClone(world.cwd);
    git(noRemote, 'remote', 'remove', 'origin');
    const plan = await runCli(['plan'], { cwd: noRemote, env: world.env });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('is a shallow Git clone and its full history could not be fetched (it has no remote to fetch from)');
    expect(plan.stderr).toContain('`fetch-depth: 0` on actions/checkout, or run `git fetch --unshallow`');
    expect(plan.stdout).toBe('');

    // A remote that cannot be reached is no better: apply refuses too, and nothing changes.
    const unreachable = shallowClone(world.cwd);
    git(unreachable, 'remote', 'set-url', 'origin', `file://${join(unreachable, 'gone')}`);
    const apply = await runCli(['apply', '--auto-approve'], { cwd: unreachable, env: world.env });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/could not be fetched \(git fetch --unshallow origin failed: .+\)/);
    expect(apply.stderr).toContain('`fetch-depth: 0` on actions/checkout');
    expect(git(unreachable, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const journal = join(unreachable, '.lockstep', 'journal.jsonl');
    // No change was journalled, whether or not opening the state store wrote a journal file.
    const journalled = existsSync(journal) ? journalLines(unreachable).filter((l) => l !== '' && (JSON.parse(l) as { type: string }).type === 'change') : [];
    expect(journalled).toEqual([]);
    expect(statusOf(world.emu, leaver)).toBe('active');
    expect(membersOf(world.emu, 'Sales')).toEqual(before);
  });

  // Last: this one applies.
  it('the controller deepens a shallow clone it finds in its state folder, and journals the true commits', async () => {
    const cwd = tempDir();
    const state = join(cwd, 'state');
    git(cwd, 'clone', '-q', '--depth', '1', '--branch', 'main', `file://${world.cwd}`, join(state, 'repo'));
    const r = await runCli(['controller', '--once', '--repo', `file://${world.cwd}`, '--branch', 'main', '--policies', 'policies', '--state-dir', state], {
      cwd,
      env: world.env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('is a shallow clone: fetching its full history from origin (git fetch --unshallow)');
    expect(git(join(state, 'repo'), 'rev-parse', '--is-shallow-repository')).toBe('false');
    for (const l of world.leavers) expect(statusOf(world.emu, l)).toBe('suspended');
    const changes = readFileSync(join(state, 'journal.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; reason?: { kind: string; commit?: { sha: string } } })
      .filter((x) => x.type === 'change' && x.reason?.kind === 'lifecycle');
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.reason?.commit?.sha).toBe(commits.policy);
  });
});
