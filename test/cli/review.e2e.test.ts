import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AccessReviewDocument, JournalRecord, Plan } from '../../src/types/index.js';
import { runCli } from './run-cli.js';
import { journalLines, membersOf, scimWorld } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

const git = (cwd: string, who: string[], ...args: string[]): string =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...who, ...args], { cwd, encoding: 'utf8' }).trim();
const SAM = ['-c', 'user.name=Sam Rivera', '-c', 'user.email=sam@acme.com'];
const LEE = ['-c', 'user.name=Lee Wong', '-c', 'user.email=lee@acme.com'];

// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe('access reviews as pull requests', { timeout: 120_000 }, () => {
  const emus: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const e of emus) await e.close();
  });

  it('start → decide in a branch → merge → plan → apply → journal attests the merge once; revoked access stays revoked; undecided past due is a finding; a keep-only decision is attested with no changes', async () => {
    const world = await scimWorld({ size: 8, leaving: 0, exchanges });
    emus.push(world.emu);
    const { cwd, env, emu } = world;
    git(cwd, [], 'init', '-q', '-b', 'main');
    git(cwd, [], 'add', '.');
    git(cwd, SAM, 'commit', '-qm', 'Sales policy');

    const started = await runCli(['review', 'start', '--role', 'sales', '--due', '14d', '--now', '2026-11-20T09:00:00Z'], { cwd, env });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('policies/reviews/sales-2026-11-20.yaml: 9 members to review by 2026-12-04');
    const file = join(cwd, 'policies', 'reviews', 'sales-2026-11-20.yaml');
    const review = parse(readFileSync(file, 'utf8')) as AccessReviewDocument;
    expect(review.spec.members.map((m) => m.person)).toContain('p5@acme.com');
    expect(review.spec.members.every((m) => m.decision === 'undecided' && m.grants[0]?.group === 'Sales')).toBe(true);
    git(cwd, [], 'add', '.');
    git(cwd, SAM, 'commit', '-qm', 'Start the Sales access review');

    // The reviewer decides in a branch: p5 loses Sales, p6 is left undecided, the rest keep it.
    git(cwd, [], 'checkout', '-q', '-b', 'review');
    for (const m of review.spec.members) m.decision = m.person === 'p5@acme.com' ? 'revoke' : m.person === 'p6@acme.com' ? 'undecided' : 'keep';
    writeFileSync(file, (await import('yaml')).stringify(review));
    git(cwd, LEE, 'commit', '-qam', 'Sales review: revoke p5');
    git(cwd, [], 'checkout', '-q', 'main');
    git(cwd, LEE, 'merge', '-q', '--no-ff', '-m', 'Merge the Sales access review', 'review');

    const planned = await runCli(['plan', '--format', 'json', '--out', 'plan.json'], { cwd, env });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.changes.map((c) => `${c.action} ${c.person} ${c.target.group?.name}`)).toEqual(['remove_member p5@acme.com Sales']);
    const reason = plan.changes[0]!.reason;
    expect(reason).toMatchObject({ kind: 'review', rule: 'AccessReview/sales-2026-11-20', detail: 'p5@acme.com revoked from Sales in access review sales-2026-11-20' });
    expect(reason.source).toMatch(/^policies\/reviews\/sales-2026-11-20\.yaml:\d+$/);
    expect(reason.commit?.author).toBe('Lee Wong <lee@acme.com>');

    const applied = await runCli(['apply', 'plan.json'], { cwd, env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(membersOf(emu, 'Sales')).not.toContain('p5@acme.com');
    const record = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'change');
    expect(record).toMatchObject({
      action: 'remove_member',
      person: 'p5@acme.com',
      result: 'ok',
      reason: { kind: 'review', commit: { author: 'Lee Wong <lee@acme.com>' } },
    });

    // The merge is the attestation: one record in the apply's run, naming the merge commit and the reviewer.
    const merge = git(cwd, [], 'rev-parse', 'HEAD');
    expect(git(cwd, [], 'log', '-1', '--first-parent', '--format=%H', '--', 'policies/reviews/sales-2026-11-20.yaml')).toBe(merge);
    const decidedIn = git(cwd, [], 'rev-parse', 'review');
    const attestations = (): JournalRecord[] =>
      journalLines(cwd)
        .map((l) => JSON.parse(l) as JournalRecord)
        .filter((r) => r.type === 'attestation');
    expect(attestations()).toHaveLength(1);
    const attested = attestations()[0]!;
    expect(attested.attestation).toMatchObject({
      review: 'sales-2026-11-20',
      file: 'reviews/sales-2026-11-20.yaml',
      scope: { role: 'sales' },
      due: '2026-12-04',
      git: 'committed',
      commit: merge,
      merger: 'Lee Wong <lee@acme.com>',
      decidedBy: 'Lee Wong <lee@acme.com>',
      decidedIn,
      deciders: ['Lee Wong <lee@acme.com>'],
      complete: false,
      counts: { keep: 7, revoke: 1, undecided: 1 },
    });
    expect(attested.attestation!.decisions).toHaveLength(9);
    expect(attested.attestation!.decisions).toEqual(
      expect.arrayContaining([
        { person: 'p5@acme.com', decision: 'revoke' },
        { person: 'p6@acme.com', decision: 'undecided' },
        { person: 'p0@acme.com', decision: 'keep' },
      ]),
    );
    expect(attested.detail).toContain('partial: 1 member undecided');
    expect(applied.stdout).toContain(`attested AccessReview/sales-2026-11-20 merged in ${merge.slice(0, 12)} by Lee Wong <lee@acme.com>`);
    // Inside the apply's run, after its run_start, covered by the chain.
    const run = journalLines(cwd)
      .map((l) => JSON.parse(l) as JournalRecord)
      .filter((r) => r.runId === attested.runId);
    expect(run.map((r) => r.type)).toEqual(['run_start', 'attestation', 'intent', 'change', 'run_end']);

    // Applying again (the saved plan, then a fresh plan) attests nothing new: the journal holds this review at this commit.
    expect((await runCli(['apply', 'plan.json'], { cwd, env })).code).toBe(0);
    expect((await runCli(['apply', '--auto-approve'], { cwd, env })).code).toBe(0);
    expect(attestations()).toHaveLength(1);
    const verified = await runCli(['audit', 'verify'], { cwd, env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/journal intact/);

    // The role still selects p5, but the review stands: nothing is added back.
    const again = JSON.parse((await runCli(['plan', '--format', 'json'], { cwd, env })).stdout) as Plan;
    expect(again.changes).toEqual([]);
    expect(again.findings.filter((f) => f.kind === 'review_overdue')).toEqual([]);
    const late = JSON.parse((await runCli(['plan', '--format', 'json', '--now', '2026-12-10T09:00:00Z'], { cwd, env })).stdout) as Plan;
    expect(late.findings.filter((f) => f.kind === 'review_overdue').map((f) => f.message)).toEqual([
      'AccessReview/sales-2026-11-20 was due 2026-12-04: 1 of 9 members still undecided (p6@acme.com)',
    ]);
    expect(readdirSync(join(cwd, 'policies', 'reviews'))).toEqual(['sales-2026-11-20.yaml']);

    // The reviewer decides the last member (keep): nothing to change, yet the new commit is attested, complete.
    const decided = parse(readFileSync(file, 'utf8')) as AccessReviewDocument;
    for (const m of decided.spec.members) if (m.person === 'p6@acme.com') m.decision = 'keep';
    writeFileSync(file, (await import('yaml')).stringify(decided));
    git(cwd, LEE, 'commit', '-q', '-m', 'Sales review: keep p6', '--', file);
    const keepOnly = await runCli(['apply', '--auto-approve'], { cwd, env });
    expect(keepOnly.code, keepOnly.stderr).toBe(0);
    expect(keepOnly.stdout).toContain('Apply: no changes.');
    expect(attestations()).toHaveLength(2);
    expect(attestations()[1]!.attestation).toMatchObject({
      commit: git(cwd, [], 'rev-parse', 'HEAD'),
      complete: true,
      counts: { keep: 8, revoke: 1, undecided: 0 },
      decidedBy: 'Lee Wong <lee@acme.com>',
    });
    expect((await runCli(['apply', '--auto-approve'], { cwd, env })).code).toBe(0);
    expect(attestations()).toHaveLength(2);
    expect((await runCli(['audit', 'verify'], { cwd, env })).code).toBe(0);
  });

  it('the controller attests a merged keep-only review in its cycle, once, though nothing changes', async () => {
    const world = await scimWorld({ size: 3, leaving: 0, exchanges });
    emus.push(world.emu);
    const { cwd, env } = world;
    git(cwd, [], 'init', '-q', '-b', 'main');
    git(cwd, [], 'add', '.');
    git(cwd, SAM, 'commit', '-qm', 'Sales policy');
    expect((await runCli(['review', 'start', '--role', 'sales', '--due', '14d'], { cwd, env })).code).toBe(0);
    const [name] = readdirSync(join(cwd, 'policies', 'reviews'));
    const file = join(cwd, 'policies', 'reviews', name!);
    const review = parse(readFileSync(file, 'utf8')) as AccessReviewDocument;
    for (const m of review.spec.members) m.decision = 'keep';
    writeFileSync(file, (await import('yaml')).stringify(review));
    git(cwd, [], 'add', 'policies');
    git(cwd, LEE, 'commit', '-qm', 'Sales review: keep everyone');
    const head = git(cwd, [], 'rev-parse', 'HEAD');

    const once = await runCli(['controller', '--once'], { cwd, env });
    expect(once.code, once.stderr).toBe(0);
    const records = journalLines(cwd).map((l) => JSON.parse(l) as JournalRecord);
    expect(records.map((r) => r.type)).toEqual(['run_start', 'attestation', 'run_end']);
    expect(records[1]!.attestation).toMatchObject({
      commit: head,
      merger: 'Lee Wong <lee@acme.com>',
      decidedBy: 'Lee Wong <lee@acme.com>',
      complete: true,
      counts: { keep: 4, revoke: 0, undecided: 0 },
    });
    expect((await runCli(['controller', '--once'], { cwd, env })).code).toBe(0);
    expect(journalLines(cwd)).toHaveLength(3);
    expect((await runCli(['audit', 'verify'], { cwd, env })).code).toBe(0);
  });

  it('refuses an unknown role, and needs exactly one of --role and --tier', async () => {
    const world = await scimWorld({ size: 2, leaving: 0, exchanges });
    emus.push(world.emu);
    const bad = await runCli(['review', 'start', '--role', 'nope'], { cwd: world.cwd, env: world.env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no RoleProfile "nope" (roles: sales)');
    expect((await runCli(['review', 'start'], { cwd: world.cwd, env: world.env })).stderr).toContain('needs --role NAME or --tier');
  });
});
