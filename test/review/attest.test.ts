import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildHistory } from '../../src/journal/build-history.js';
import { EMPTY_HISTORY } from '../../src/journal/history.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import { buildAttestation, pendingAttestations, unrecorded, type ReviewGitFacts } from '../../src/review/attest.js';
import type { AccessReviewDocument, JournalRecord, ReviewAttestation } from '../../src/types/index.js';
import { aChange, aPlan } from '../support/changes.js';
import { aLog } from '../support/log.js';
import { aJournalDir, oktaWorld } from '../apply/world.js';
import { tempDir } from '../cli/run-cli.js';
import { git, LEE as GIT_LEE, PRIYA, SAM, shallowClone } from '../support/git-repo.js';

const MERGE = 'a'.repeat(40);
const BRANCH = 'b'.repeat(40);
const LEE = 'Lee Wong <lee@acme.com>';

const review = (decisions: Record<string, AccessReviewDocument['spec']['members'][number]['decision']>): AccessReviewDocument => ({
  apiVersion: 'lockstep.dev/v1',
  kind: 'AccessReview',
  metadata: { name: 'sales-l1-2026-11-20' },
  spec: {
    scope: { role: 'sales-l1' },
    started: '2026-11-20',
    due: '2026-12-04',
    members: Object.entries(decisions).map(([person, decision]) => ({ person, roles: ['sales-l1'], grants: [{ provider: 'okta-main', group: 'Sales' }], decision })),
  },
});

const merged: ReviewGitFacts = {
  file: { state: 'committed', sha: MERGE, author: 'Sam Rivera <sam@acme.com>', committer: LEE, committedAt: '2026-11-21T10:00:00.000Z' },
  decision: { sha: BRANCH, author: LEE, date: '2026-11-21T09:00:00.000Z' },
  deciders: [LEE, LEE],
};

let seq = 0;
const attestationRecord = (attestation: ReviewAttestation): JournalRecord => ({
  seq: ++seq,
  time: '2026-11-21T11:00:00Z',
  runId: 'r',
  actor: 'ops',
  type: 'attestation',
  attestation,
  prev: '0'.repeat(64),
  hash: '0'.repeat(64),
});

describe('buildAttestation', () => {
  it('records the merge, who merged it, the reviewer who decided, and each member decision with counts', () => {
    const a = buildAttestation(review({ 'bob@acme.com': 'revoke', 'alice@acme.com': 'keep', 'carol@acme.com': 'keep' }), 'reviews/sales-l1-2026-11-20.yaml', merged);
    expect(a).toMatchObject({
      review: 'sales-l1-2026-11-20',
      file: 'reviews/sales-l1-2026-11-20.yaml',
      scope: { role: 'sales-l1' },
      started: '2026-11-20',
      due: '2026-12-04',
      git: 'committed',
      commit: MERGE,
      committedAt: '2026-11-21T10:00:00.000Z',
      merger: LEE,
      decidedBy: LEE,
      decidedIn: BRANCH,
      deciders: [LEE],
      complete: true,
      counts: { keep: 2, revoke: 1, undecided: 0 },
    });
    expect(a.decisions).toEqual([
      { person: 'alice@acme.com', decision: 'keep' },
      { person: 'bob@acme.com', decision: 'revoke' },
      { person: 'carol@acme.com', decision: 'keep' },
    ]);
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(a.note).toBe(`AccessReview/sales-l1-2026-11-20 merged in ${MERGE.slice(0, 12)} by ${LEE}, decided by ${LEE}: 2 keep, 1 revoke, 0 undecided`);
  });

  it('says when it is partial, and when no commit backs the decisions', () => {
    const partial = buildAttestation(review({ 'alice@acme.com': 'keep', 'bob@acme.com': 'undecided' }), 'r.yaml', merged);
    expect(partial).toMatchObject({ complete: false, counts: { keep: 1, revoke: 0, undecided: 1 } });
    expect(partial.decisions).toContainEqual({ person: 'bob@acme.com', decision: 'undecided' });
    expect(partial.note).toMatch(/\(partial: 1 member undecided\)$/);

    const outside = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', { file: { state: 'not_git' }, decision: null, deciders: [] });
    expect(outside).toMatchObject({ git: 'not_git', commit: null, committedAt: null, merger: null, decidedBy: null, decidedIn: null, deciders: [] });
    expect(outside.note).toContain('not in Git: no commit attests these decisions');
    const dirty = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', { file: { state: 'uncommitted' }, decision: null, deciders: [] });
    expect(dirty).toMatchObject({ git: 'uncommitted', commit: null });
    expect(dirty.note).toContain('has changes no commit holds');
  });

  it('digests the decisions: the same decisions give the same digest, a changed one another', () => {
    const one = buildAttestation(review({ 'alice@acme.com': 'keep', 'bob@acme.com': 'revoke' }), 'r.yaml', merged);
    const same = buildAttestation(review({ 'bob@acme.com': 'revoke', 'alice@acme.com': 'keep' }), 'r.yaml', { file: { state: 'not_git' }, decision: null, deciders: [] });
    const other = buildAttestation(review({ 'alice@acme.com': 'revoke', 'bob@acme.com': 'revoke' }), 'r.yaml', merged);
    expect(same.digest).toBe(one.digest);
    expect(other.digest).not.toBe(one.digest);
  });
});

describe('unrecorded: one attestation per review and commit', () => {
  const atMerge = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', merged);
  const atNextCommit = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', {
    ...merged,
    file: { ...merged.file, sha: 'c'.repeat(40) } as ReviewGitFacts['file'],
  });
  const noCommit = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', { file: { state: 'not_git' }, decision: null, deciders: [] });
  const noCommitChanged = buildAttestation(review({ 'alice@acme.com': 'revoke' }), 'r.yaml', { file: { state: 'not_git' }, decision: null, deciders: [] });

  it('keeps what the journal does not hold and drops what it does', () => {
    expect(unrecorded([atMerge], EMPTY_HISTORY)).toEqual([atMerge]);
    const history = buildHistory([attestationRecord(atMerge), attestationRecord(noCommit)]);
    expect(unrecorded([atMerge], history)).toEqual([]);
    // The review changed again: a new commit is a new attestation.
    expect(unrecorded([atNextCommit], history)).toEqual([atNextCommit]);
    // Without a commit, the decisions themselves are the identity.
    expect(unrecorded([noCommit, noCommitChanged], history)).toEqual([noCommitChanged]);
    // Another review at the same commit is its own attestation.
    const otherReview = { ...atMerge, review: 'it-admin-2026-11-20' };
    expect(unrecorded([otherReview], history)).toEqual([otherReview]);
  });
});

describe('pendingAttestations outside Git', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('attests a decided review with a null commit, once; an undecided review is not attested', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-attest-'));
    await cp(join(import.meta.dirname, '..', 'fixtures', 'spec-example', 'policies'), dir, { recursive: true });
    await mkdir(join(dir, 'reviews'));
    await writeFile(join(dir, 'reviews', 'decided.yaml'), stringify(review({ 'alice@acme.com': 'keep', 'bob@acme.com': 'undecided' })));
    const open = review({ 'carol@acme.com': 'undecided' });
    await writeFile(join(dir, 'reviews', 'open.yaml'), stringify({ ...open, metadata: { name: 'open' } }));
    const policy = await loadPolicy(dir);
    const pending = await pendingAttestations(policy, EMPTY_HISTORY, aLog());
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      review: 'sales-l1-2026-11-20',
      file: 'reviews/decided.yaml',
      git: 'not_git',
      commit: null,
      merger: null,
      complete: false,
      counts: { keep: 1, revoke: 0, undecided: 1 },
    });
    expect(await pendingAttestations(policy, buildHistory([attestationRecord(pending[0]!)]), aLog())).toEqual([]);
  });
});

describe('pendingAttestations in a shallow clone', () => {
  // Lee decides the review, then Priya makes an unrelated commit: the one a shallow clone is cut at.
  const origin = async (): Promise<{ dir: string; decided: string }> => {
    const dir = tempDir();
    await cp(join(import.meta.dirname, '..', 'fixtures', 'spec-example', 'policies'), join(dir, 'policies'), { recursive: true });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, ...SAM, 'commit', '-qm', 'policy');
    await mkdir(join(dir, 'policies', 'reviews'));
    await writeFile(join(dir, 'policies', 'reviews', 'decided.yaml'), stringify(review({ 'alice@acme.com': 'keep' })));
    git(dir, 'add', '.');
    git(dir, ...GIT_LEE, 'commit', '-qm', 'review decided');
    const decided = git(dir, 'rev-parse', 'HEAD');
    await writeFile(join(dir, 'README.md'), 'access policy\n');
    git(dir, 'add', '.');
    git(dir, ...PRIYA, 'commit', '-qm', 'readme');
    return { dir, decided };
  };

  it('deepens the clone first, so the attestation names the commit that decided the review', async () => {
    const { dir, decided } = await origin();
    const clone = shallowClone(dir);
    const log = aLog();
    const [attestation] = await pendingAttestations(await loadPolicy(join(clone, 'policies')), EMPTY_HISTORY, log);
    expect(attestation).toMatchObject({ git: 'committed', commit: decided, merger: LEE, decidedBy: LEE, decidedIn: decided });
    expect(log.lines).toContainEqual(expect.stringContaining('is a shallow clone: fetching its full history from origin'));
  });

  it('refuses to attest from a shallow clone it cannot deepen', async () => {
    const clone = shallowClone((await origin()).dir);
    git(clone, 'remote', 'remove', 'origin');
    await expect(pendingAttestations(await loadPolicy(join(clone, 'policies')), EMPTY_HISTORY, aLog())).rejects.toThrow(
      /shallow Git clone[\s\S]*`fetch-depth: 0` on actions\/checkout/,
    );
  });
});

describe('applyPlan: attestation records', () => {
  const a = buildAttestation(review({ 'alice@acme.com': 'keep' }), 'r.yaml', merged);
  let j: Awaited<ReturnType<typeof aJournalDir>> | undefined;
  afterEach(() => j?.cleanup());

  it('writes each attestation inside the run, after run_start, even with no changes; the chain verifies', async () => {
    j = await aJournalDir();
    const { report } = await j.apply(aPlan([]), [oktaWorld()], { attestations: [a] });
    expect(report.attested).toEqual([a]);
    const records = await j.records();
    expect(records.map((r) => r.type)).toEqual(['run_start', 'attestation', 'run_end']);
    expect(records[1]).toMatchObject({ runId: records[0]!.runId, attestation: a, detail: a.note, person: null });
    expect((await j.verify()).ok).toBe(true);
    expect(unrecorded([a], buildHistory(records))).toEqual([]);
  });

  it('a run the guard halts attests nothing', async () => {
    j = await aJournalDir();
    const violation = { kind: 'group_removal' as const, provider: 'okta-main', group: 'Sales', current: 2, removing: 1, fraction: 0.5, threshold: 0.3 };
    const { report } = await j.apply(aPlan([aChange({ action: 'suspend' })], { violations: [violation] }), [oktaWorld()], { attestations: [a] });
    expect(report.halted).toBe(true);
    expect(report.attested).toEqual([]);
    expect((await j.records()).map((r) => r.type)).toEqual(['run_start', 'halt', 'run_end']);
  });
});
