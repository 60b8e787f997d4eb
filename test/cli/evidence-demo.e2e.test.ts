import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { manualOwners } from '../../src/cli/commands/sandbox.js';
import { silentLogger } from '../../src/cli/output.js';
import { demoOrg } from '../../src/demo/demo-org.js';
import type { Org, StoryFacts } from '../../src/demo/model.js';
import { rifApprovals } from '../../src/demo/policy.js';
import { writePolicyFolder } from '../../src/demo/write-policy.js';
import type { AttestationEvidence, TerminationEvidence } from '../../src/evidence/build.js';
import type { ControlMapping } from '../../src/evidence/controls.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { AccessReviewDocument, JournalRecord } from '../../src/types/index.js';
import { runCli, tempDir } from './run-cli.js';

const git = (cwd: string, who: string, email: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', `user.name=${who}`, '-c', `user.email=${email}`, ...args], { cwd, encoding: 'utf8' }).trim();
const DAY_MS = 86_400_000;

/**
 * The demo organisation (Northwind) as `lockstep demo` builds it — the demo's own
 * workspace is left without its emulators, so the world is built here through the same
 * exported functions, with the sandbox kept running for the evidence run: the policy
 * committed in Git, the reduction in force approved, everything applied, an access
 * review of the privileged role merged and attested.
 */
describe('lockstep evidence on the demo world', { timeout: 300_000 }, () => {
  const now = new Date();
  const from = new Date(now.getTime() - 8 * DAY_MS).toISOString().slice(0, 10);
  const to = now.toISOString().slice(0, 10);
  let work: string;
  let sandbox: Sandbox;
  let org: Org & { story: StoryFacts };
  let reviewCommit: string;

  beforeAll(async () => {
    org = demoOrg(now);
    work = tempDir();
    sandbox = await startSandbox(org.snapshot, { dir: join(work, '.lockstep', 'sandbox'), owners: manualOwners(org.documents), log: silentLogger });
    const documents = org.documents.map((d) => {
      if (d.kind !== 'Config') return d;
      const providers = { ...d.spec.providers };
      for (const [name, emu] of sandbox.emulators) if (emu.url) providers[name] = { ...providers[name], ...emu.connection } as never;
      return { ...d, spec: { ...d.spec, providers } };
    });
    const policies = join(work, 'policies');
    await writePolicyFolder(policies, { ...org, documents });
    writeFileSync(join(work, '.gitignore'), '.lockstep/\n*.snapshot.json\n');
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: work });
    git(work, 'Sam Rivera', 'sam.rivera@northwind.example', 'add', '.');
    git(work, 'Sam Rivera', 'sam.rivera@northwind.example', 'commit', '-qm', 'Northwind access policy');
    mkdirSync(join(policies, 'approvals'));
    for (const a of rifApprovals(org.story, now)) writeFileSync(join(policies, 'approvals', `${a.metadata.name}.yaml`), stringify(a));
    git(work, 'Priya Shah', 'priya.shah@northwind.example', 'add', '.');
    git(work, 'Priya Shah', 'priya.shah@northwind.example', 'commit', '-qm', 'Approve the Sales reduction in force (HR-4471)');
    const applied = await runCli(['apply', '--auto-approve'], { cwd: work });
    expect(applied.code, applied.stderr).toBe(0);

    // A quarterly review of the privileged admins: every member kept, merged by the reviewer.
    const started = await runCli(['review', 'start', '--role', 'it-admin', '--due', '14d'], { cwd: work });
    expect(started.code, started.stderr).toBe(0);
    const file = join(policies, 'reviews', `it-admin-${to}.yaml`);
    const review = parse(readFileSync(file, 'utf8')) as AccessReviewDocument;
    expect(review.spec.members.length).toBeGreaterThan(0);
    for (const m of review.spec.members) m.decision = 'keep';
    writeFileSync(file, stringify(review));
    git(work, 'Lee Wong', 'lee.wong@northwind.example', 'add', '.');
    git(work, 'Lee Wong', 'lee.wong@northwind.example', 'commit', '-qm', 'it-admin access review: keep all');
    reviewCommit = git(work, 'Lee Wong', 'lee.wong@northwind.example', 'rev-parse', 'HEAD');
    const attested = await runCli(['apply', '--auto-approve'], { cwd: work });
    expect(attested.code, attested.stderr).toBe(0);
    expect(attested.stdout).toContain(`attested AccessReview/it-admin-${to} merged in ${reviewCommit.slice(0, 12)}`);

    const observed = await runCli(['observe', '--out', 'final.snapshot.json'], { cwd: work });
    expect(observed.code, observed.stderr).toBe(0);
    // Several CLI runs against the demo's seven services: minutes on a loaded 2-core machine.
  }, 240_000);
  afterAll(() => sandbox?.stop());

  const read = (dir: string, f: string): string => readFileSync(join(work, dir, f), 'utf8');
  const evidence = (out: string) => runCli(['evidence', '--from', from, '--to', to, '--out', out, '--snapshot', 'final.snapshot.json'], { cwd: work });

  it("lists the demo's leavers with their HR time and a revocation time per system, the attested review, and a verified chain", async () => {
    const r = await evidence('evidence');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(read('evidence', 'journal-verification.json'))).toMatchObject({ ok: true, message: expect.stringMatching(/^journal intact: \d+ records/) });
    expect(read('evidence', 'README.md')).toMatch(/Journal chain verified/);

    const facts = org.story;
    const typeOf = (provider: string): string => org.snapshot.providers[provider]!.type;
    const terminations = JSON.parse(read('evidence', 'terminations.json')) as TerminationEvidence[];
    const expected = [...facts.leavers.map((l) => l.email), ...facts.rif.people, facts.contractorEnd.person];
    expect(terminations.map((t) => t.person).sort()).toEqual([...expected].sort());
    const journal = readFileSync(join(work, '.lockstep', 'journal.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalRecord);
    for (const l of facts.leavers) {
      const t = terminations.find((x) => x.person === l.email)!;
      expect(t.hrTime, l.email).toBe(new Date(l.endDate).toISOString());
      expect(t.noRecord).toBe(false);
      // Every system where the leaver held an active account, bar the manual ones (tasks still open), revoked after the HR time.
      const automated = l.providers.filter((p) => typeOf(p) !== 'manual').sort();
      expect(automated.length, l.email).toBeGreaterThan(0);
      expect(
        t.revocations.map((x) => x.provider),
        l.email,
      ).toEqual(automated);
      for (const rev of t.revocations) {
        expect(Date.parse(rev.revokedAt)).toBeGreaterThanOrEqual(Date.parse(t.hrTime));
        expect(rev.hoursAfterHr).toBeCloseTo((Date.parse(rev.revokedAt) - Date.parse(t.hrTime)) / 3_600_000, 1);
        expect(rev.failed).toBe(0);
        // The revocation time is that of the last containment recorded done in the journal.
        const done = journal.filter((j) => j.type === 'change' && j.person === l.email && j.provider === rev.provider && (j.result === 'ok' || j.result === 'already'));
        expect(done.length).toBeGreaterThan(0);
        expect(rev.revokedAt).toBe(new Date(Math.max(...done.map((j) => Date.parse(j.time)))).toISOString());
      }
    }
    for (const p of facts.rif.people) expect(terminations.find((t) => t.person === p)!.revocations.length, p).toBeGreaterThan(0);

    const attestations = JSON.parse(read('evidence', 'attestations.json')) as AttestationEvidence[];
    expect(attestations).toEqual([
      expect.objectContaining({
        review: `it-admin-${to}`,
        scope: { role: 'it-admin' },
        git: 'committed',
        commit: reviewCommit,
        merger: 'Lee Wong <lee.wong@northwind.example>',
        reviewer: 'Lee Wong <lee.wong@northwind.example>',
        complete: true,
        counts: { keep: expect.any(Number), revoke: 0, undecided: 0 },
      }),
    ]);
    expect(attestations[0]!.counts.keep).toBeGreaterThan(0);
    expect(read('evidence', 'README.md')).toContain(`| it-admin-${to} | ${attestations[0]!.recordedAt} | ${reviewCommit} | Lee Wong <lee.wong@northwind.example> |`);
    const controls = JSON.parse(read('evidence', 'controls.json')) as ControlMapping[];
    const reviewControls = controls.filter((c) => c.evidence.includes('attestations.json')).map((c) => `${c.framework} ${c.control}`);
    expect(reviewControls).toEqual(['SOC 2 (2017 TSC) CC6.2', 'SOC 2 (2017 TSC) CC6.3', 'ISO/IEC 27001:2022 A.5.18', 'ISO/IEC 27001:2013 A.9.2.5']);
    expect(Object.keys((JSON.parse(read('evidence', 'manifest.json')) as { files: object }).files)).toContain('attestations.json');
  });

  it('reports a tampered journal line: integrity failure first, the bad line named, exit 1', async () => {
    const file = join(work, '.lockstep', 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const leaver = org.story.leavers[0]!.email;
    const at = lines.findIndex((l) => l.includes('"type":"change"') && l.includes(`"person":"${leaver}"`) && l.includes('"result":"ok"'));
    expect(at).toBeGreaterThan(0);
    // Someone hides when the leaver's access was really removed.
    lines[at] = lines[at]!.replace(/"time":"[^"]+"/, `"time":"${new Date(now.getTime() - 30 * DAY_MS).toISOString()}"`);
    writeFileSync(file, `${lines.join('\n')}\n`);

    const r = await evidence('tampered');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INTEGRITY FAILURE: the journal does not verify/);
    expect(read('tampered', 'README.md').split('\n')[2]).toMatch(/^INTEGRITY FAILURE/);
    expect(JSON.parse(read('tampered', 'journal-verification.json'))).toMatchObject({ ok: false, records: at, firstBad: { line: at + 1, reason: 'edited' } });
    const audit = await runCli(['audit', 'verify'], { cwd: work });
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain(`line ${at + 1}`);
  });
});
