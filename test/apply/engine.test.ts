import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactor } from '../../src/policy/secrets.js';
import { FakeProvider } from '../support/fake-provider.js';
import { aTaskDesk } from '../support/task-desk.js';
import { aChange, aPlan } from '../support/changes.js';
import { aLog } from '../support/log.js';
import { applyPlan, TARGETED_OBSERVE_MAX_ACCOUNTS } from '../../src/apply/engine.js';
import { buildHistory } from '../../src/journal/build-history.js';
import { EMPTY_HISTORY } from '../../src/journal/history.js';
import { ALICE, BOB, CAROL, SALES, aJournalDir, oktaWorld } from './world.js';
import { phaseOf, PHASES } from '../../src/apply/phases.js';

let j: Awaited<ReturnType<typeof aJournalDir>>;
beforeEach(async () => {
  j = await aJournalDir();
});
afterEach(() => j.cleanup());

const suspendAlice = aChange({ action: 'suspend', precondition: { accountStatus: ['active'] } });
const removeAlice = aChange({ action: 'remove_member', target: { account: ALICE, group: SALES }, precondition: { member: true } });
const revokeAlice = aChange({ action: 'revoke_sessions', precondition: { notDoneSince: '2026-11-20T17:00:00Z' } });
const violation = { kind: 'group_removal' as const, provider: 'okta-main', group: 'Sales', current: 2, removing: 1, fraction: 0.5, threshold: 0.3 };

/** Applies a plan to one provider with nothing approved, through the journal given (one that fails on purpose). */
function applyWithJournal(plan: Parameters<typeof applyPlan>[0]['plan'], okta: FakeProvider, journal: Parameters<typeof applyPlan>[0]['journal']) {
  return applyPlan({
    plan,
    providers: new Map([[okta.name, okta]]),
    journal,
    history: EMPTY_HISTORY,
    actor: 'ops',
    guardApprovedBy: null,
    approvedChanges: new Set(),
    taskDesk: aTaskDesk().desk,
    log: aLog(),
  });
}

describe('applyPlan: guard', () => {
  it('a tripped guard halts: a halt record, nothing observed or applied', async () => {
    const okta = oktaWorld();
    const { report } = await j.apply(aPlan([suspendAlice, removeAlice], { violations: [violation] }), [okta]);
    expect(report.halted).toBe(true);
    expect(report.counts.halted).toBe(2);
    expect(okta.calls).toEqual([]);
    expect(okta.observeCalls).toBe(0);
    const records = await j.records();
    expect(records.map((r) => r.type)).toEqual(['run_start', 'halt', 'run_end']);
    expect(records[1]).toMatchObject({ result: 'halted', violations: [violation] });
    expect((await j.verify()).ok).toBe(true);
  });

  it('an approved guard runs the plan and records who approved', async () => {
    const okta = oktaWorld();
    const plan = aPlan([suspendAlice, removeAlice], { violations: [violation] });
    const { report } = await j.apply(plan, [okta], { guardApprovedBy: `--approve-guard ${plan.checksum} by ops@test` });
    expect(report.halted).toBe(false);
    expect(report.counts.ok).toBe(2);
    const approval = (await j.records()).find((r) => r.type === 'approval');
    expect(approval).toMatchObject({ approvals: [`--approve-guard ${plan.checksum} by ops@test`], violations: [violation] });
  });
});

describe('applyPlan: ordering and concurrency', () => {
  it('runs phases in order per provider, privileged first within a phase', async () => {
    const okta = oktaWorld(2);
    const changes = [
      aChange({ action: 'add_member', target: { account: CAROL, group: SALES } }),
      aChange({ action: 'delete', target: { account: CAROL } }),
      aChange({ action: 'remove_member', target: { account: BOB, group: SALES } }),
      aChange({ action: 'transfer_ownership', target: { account: BOB } }),
      aChange({ action: 'revoke_tokens', target: { account: BOB } }),
      aChange({ action: 'suspend', target: { account: BOB } }),
      aChange({ action: 'revoke_sessions', target: { account: ALICE }, tier: 'privileged' }),
      aChange({ action: 'suspend', target: { account: ALICE }, tier: 'privileged' }),
    ];
    await j.apply(aPlan(changes), [okta], { concurrency: 4 });
    const phases = okta.calls.map((c) => PHASES.indexOf(phaseOf(c)));
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(okta.calls.slice(0, 2).every((c) => c.tier === 'privileged')).toBe(true);
    expect(okta.calls.at(-1)?.action).toBe('add_member');
  });

  it('never has more than `concurrency` changes in flight per provider', async () => {
    const okta = new FakeProvider('okta-main', {
      delayMs: 5,
      accounts: Array.from({ length: 12 }, (_, i) => ({ id: `u${i}`, login: `u${i}@acme.com`, status: 'active' as const })),
    });
    const changes = Array.from({ length: 12 }, (_, i) => aChange({ action: 'revoke_sessions', target: { account: { id: `u${i}`, login: `u${i}@acme.com` } } }));
    const { report } = await j.apply(aPlan(changes), [okta], { concurrency: 3 });
    expect(report.counts.ok).toBe(12);
    expect(okta.maxInFlight).toBe(3);
  });
});

describe('applyPlan: preconditions', () => {
  it('a stale change is reported and journaled, never applied', async () => {
    const okta = oktaWorld();
    const addCarol = aChange({ action: 'add_member', target: { account: CAROL, group: SALES }, precondition: { accountStatus: ['active'], member: false } });
    const deleteBob = aChange({ action: 'delete', target: { account: BOB }, precondition: { accountStatus: ['suspended'] } });
    const gone = aChange({ action: 'suspend', target: { account: { id: '00u9', login: 'gone@acme.com' } } });
    const { report } = await j.apply(aPlan([addCarol, deleteBob, gone]), [okta]);
    expect(report.results.map((r) => r.result)).toEqual(['stale', 'stale', 'stale']);
    expect(report.results[0]!.detail).toContain('carol@acme.com is now suspended');
    expect(okta.calls).toEqual([]);
    const changes = (await j.records()).filter((r) => r.type === 'change');
    expect(changes.map((r) => r.result)).toEqual(['stale', 'stale', 'stale']);
  });

  it('a change whose end state already holds is `already` without calling the provider', async () => {
    const okta = oktaWorld();
    const suspendCarol = aChange({ action: 'suspend', target: { account: CAROL }, precondition: { accountStatus: ['active'] } });
    const removeCarol = aChange({ action: 'remove_member', target: { account: CAROL, group: SALES }, precondition: { member: true } });
    const addAlice = aChange({ action: 'add_member', target: { account: ALICE, group: SALES }, precondition: { member: false } });
    const deleteGone = aChange({ action: 'delete', target: { account: { id: '00u9', login: 'gone@acme.com' } } });
    const { report } = await j.apply(aPlan([suspendCarol, removeCarol, addAlice, deleteGone]), [okta]);
    expect(report.counts.already).toBe(4);
    expect(okta.calls).toEqual([]);
  });

  it('skips requiresApproval changes unless approved, and records the approver', async () => {
    const del = aChange({ action: 'delete', target: { account: CAROL }, requiresApproval: true, precondition: { accountStatus: ['suspended'] } });
    const first = await j.apply(aPlan([del]), [oktaWorld()]);
    expect(first.report.results[0]).toMatchObject({ result: 'skipped', detail: expect.stringContaining('requires approval') });

    const okta = oktaWorld();
    const second = await j.apply(aPlan([del]), [okta], { approvedChanges: new Map([[del.id, 'Approval/carol-delete']]) });
    expect(second.report.results[0]!.result).toBe('ok');
    expect(okta.effectsOf(del.id)).toBe(1);
    expect((await j.records()).filter((r) => r.changeId === del.id).at(-1)).toMatchObject({ approvals: ['Approval/carol-delete'] });
  });
});

describe('applyPlan: failures and retries', () => {
  it('retries transient errors, waiting at least Retry-After', async () => {
    const okta = oktaWorld();
    okta.failNext(suspendAlice.id, { times: 2, transient: true, status: 429, retryAfterMs: 40 });
    const started = Date.now();
    const { report } = await j.apply(aPlan([suspendAlice]), [okta]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(report.results[0]!.result).toBe('ok');
    expect(okta.calls).toHaveLength(3);
    expect(okta.effectsOf(suspendAlice.id)).toBe(1);
  });

  it('fails a change after the last retry and on a permanent error; the others still apply', async () => {
    const okta = oktaWorld();
    okta.failNext(suspendAlice.id, { times: Infinity, transient: true });
    okta.failNext(revokeAlice.id, { times: 1, transient: false, status: 403, message: 'insufficient scope' });
    const { report } = await j.apply(aPlan([suspendAlice, revokeAlice, removeAlice]), [okta], { retries: 2 });
    expect(report.counts).toMatchObject({ failed: 2, ok: 1 });
    expect(okta.calls.filter((c) => c.id === suspendAlice.id)).toHaveLength(3);
    expect(okta.calls.filter((c) => c.id === revokeAlice.id)).toHaveLength(1);
    expect(report.results[1]!.error).toBe('insufficient scope (HTTP 403)');
    const run_end = (await j.records()).at(-1);
    expect(run_end).toMatchObject({ type: 'run_end', detail: { counts: { failed: 2, ok: 1 } } });
  });

  it('a rerun after a partial failure converges with no duplicate effects', async () => {
    const okta = oktaWorld();
    okta.failNext(revokeAlice.id, { times: 1, transient: false });
    okta.failNext(removeAlice.id, { times: 1, transient: false });
    const plan = aPlan([suspendAlice, revokeAlice, removeAlice, aChange({ action: 'revoke_tokens', precondition: { notDoneSince: '2026-11-20T17:00:00Z' } })]);
    const first = await j.apply(plan, [okta]);
    expect(first.report.counts).toMatchObject({ ok: 2, failed: 2 });

    const second = await j.apply(plan, [okta]);
    expect(second.report.results.map((r) => r.result)).toEqual(['already', 'ok', 'ok', 'already']);
    const third = await j.apply(plan, [okta]);
    expect(third.report.counts.already).toBe(4);
    for (const c of plan.changes) expect(okta.effectsOf(c.id)).toBe(1);
    expect((await j.verify()).ok).toBe(true);
  });

  it('an unobservable effect done in the journal is not repeated; a failed one is retried', async () => {
    const okta = oktaWorld();
    okta.failNext(revokeAlice.id, { times: 1, transient: false });
    const resetBob = aChange({ action: 'reset_factors', target: { account: BOB }, precondition: { notDoneSince: '2026-11-20T17:00:00Z' } });
    await j.apply(aPlan([revokeAlice, resetBob]), [okta]);
    expect(okta.effectsOf(resetBob.id)).toBe(1);
    const rerun = await j.apply(aPlan([revokeAlice, resetBob]), [okta]);
    expect(rerun.report.results.map((r) => [r.change.id, r.result])).toEqual([
      [revokeAlice.id, 'ok'],
      [resetBob.id, 'already'],
    ]);
    expect(okta.effectsOf(resetBob.id)).toBe(1);
    expect(okta.effectsOf(revokeAlice.id)).toBe(1);
  });

  it('an unconfigured provider or a failed observation fails only that provider', async () => {
    const gws = new FakeProvider('gws', { type: 'google', accounts: [{ ...ALICE, status: 'active' }] });
    gws.observeFailure = { times: Infinity, transient: false, status: 401 };
    const okta = oktaWorld();
    const plan = aPlan([suspendAlice, aChange({ action: 'suspend', provider: 'gws' }), aChange({ action: 'suspend', provider: 'k8s' })]);
    const { report } = await j.apply(plan, [okta, gws]);
    expect(report.results.map((r) => r.result)).toEqual(['ok', 'failed', 'failed']);
    expect(report.results[1]!.error).toMatch(/observation of gws failed/);
    expect(report.results[2]!.error).toMatch(/provider k8s is not configured/);
  });

  it('journals every outcome with plan checksum, commit, reason, person, target and trigger time', async () => {
    const okta = oktaWorld();
    const plan = aPlan([suspendAlice]);
    const { report } = await j.apply(plan, [okta], { runId: 'run-42' });
    const rec = (await j.records()).find((r) => r.type === 'change');
    expect(rec).toMatchObject({
      runId: 'run-42',
      actor: 'ops@test',
      planChecksum: plan.checksum,
      policyCommit: 'abc123',
      changeId: suspendAlice.id,
      provider: 'okta-main',
      action: 'suspend',
      target: { account: ALICE },
      person: 'alice@acme.com',
      reason: suspendAlice.reason,
      triggerAt: '2026-11-20T17:00:00Z',
      result: 'ok',
      before: { status: 'active' },
      after: { status: 'suspended' },
    });
    expect(report.runId).toBe('run-42');
  });

  it('redacts secrets from provider errors in the report and the journal', async () => {
    redactor.add('tok-very-secret-123');
    const okta = oktaWorld();
    okta.failNext(suspendAlice.id, { times: 1, transient: false, message: 'bad token tok-very-secret-123' });
    const { report } = await j.apply(aPlan([suspendAlice]), [okta]);
    expect(report.results[0]!.error).toBe('bad token [REDACTED] (HTTP 403)');
    expect(JSON.stringify(await j.records())).not.toContain('tok-very-secret-123');
  });
});

describe('applyPlan: tasks and stopping', () => {
  it('a manual task is handed out as pending, journaled for the owner, and stays open until done', async () => {
    const vpn = new FakeProvider('vpn', { type: 'manual', accounts: [{ ...ALICE, status: 'active' }] });
    const task = aChange({
      action: 'task',
      provider: 'vpn',
      task: { action: 'suspend', owner: 'netops@acme.com', instructions: 'Disable the VPN profile' },
      precondition: { notDoneSince: '2026-11-20T17:00:00Z' },
    });
    const tasks = aTaskDesk();
    const { report } = await j.apply(aPlan([task]), [vpn], { taskDesk: tasks.desk });
    expect(report.results[0]).toMatchObject({ result: 'pending', detail: expect.stringContaining('task for netops@acme.com: suspend') });
    expect(buildHistory(await j.records()).openTasks()).toMatchObject([{ changeId: task.id, provider: 'vpn', action: 'task' }]);
    // The desk hands the task out; the provider never hears of it.
    expect(tasks.handed.map((c) => c.id)).toEqual([task.id]);
    expect(await tasks.books.get('vpn')!.list()).toMatchObject([{ id: task.id, owner: 'netops@acme.com', action: 'suspend' }]);
    expect(vpn.calls).toEqual([]);
  });

  it('a confirmed task is done: the desk closes it and the run records it ok', async () => {
    const vpn = new FakeProvider('vpn', { type: 'manual', accounts: [{ ...ALICE, status: 'active' }] });
    const task = aChange({ action: 'task', provider: 'vpn', task: { action: 'suspend', owner: 'netops@acme.com', instructions: 'Disable the VPN profile' } });
    const tasks = aTaskDesk(new Map([[task.id, { by: 'netops@acme.com', at: '2026-11-21', source: 'confirmations/vpn.yaml:7' }]]));
    const { report } = await j.apply(aPlan([task]), [vpn], { taskDesk: tasks.desk });
    expect(report.results[0]).toMatchObject({
      result: 'ok',
      detail: 'task for netops@acme.com: suspend; confirmed by netops@acme.com at 2026-11-21 (confirmations/vpn.yaml:7)',
    });
    expect(vpn.calls).toEqual([]);
  });

  it('an aborted run skips what has not started and still closes the run in the journal', async () => {
    const okta = oktaWorld();
    const ac = new AbortController();
    ac.abort();
    const { report } = await j.apply(aPlan([suspendAlice, removeAlice]), [okta], { signal: ac.signal });
    expect(report.counts.skipped).toBe(2);
    expect(okta.calls).toEqual([]);
    expect((await j.records()).at(-1)?.type).toBe('run_end');
  });
});

describe('applyPlan: journal failure', () => {
  it('stops applying and throws when the journal cannot be written', async () => {
    const okta = oktaWorld();
    let appends = 0;
    const journal = {
      append: async () => {
        if (++appends > 4) throw new Error('disk full');
        return {} as never;
      },
    };
    const plan = aPlan([suspendAlice, removeAlice, aChange({ action: 'add_member', target: { account: CAROL, group: SALES } })]);
    await expect(applyWithJournal(plan, okta, journal)).rejects.toThrow('disk full');
    // run_start, suspend's intent and outcome, and remove_member's intent were journaled;
    // remove_member's outcome failed, so add_member never ran.
    expect(okta.calls.map((c) => c.action)).toEqual(['suspend', 'remove_member']);
  });

  it('never sends a change whose intent cannot be journaled', async () => {
    const okta = oktaWorld();
    let appends = 0;
    const journal = {
      append: async () => {
        if (++appends > 3) throw new Error('disk full');
        return {} as never;
      },
    };
    const plan = aPlan([suspendAlice, removeAlice]);
    await expect(applyWithJournal(plan, okta, journal)).rejects.toThrow('disk full');
    expect(okta.calls.map((c) => c.action)).toEqual(['suspend']);
  });
});

/** A provider that can also read accounts one by one, recording what it was asked. */
class TargetedProvider extends FakeProvider {
  readonly targetedReads: string[][] = [];
  async observeAccounts(ids: readonly string[]) {
    this.targetedReads.push([...ids]);
    const whole = await super.observe();
    this.observeCalls--;
    return {
      ...whole,
      accounts: whole.accounts.filter((a) => ids.includes(a.id)),
      groups: whole.groups.map((g) => ({ ...g, members: g.members.filter((m) => ids.includes(m)) })).filter((g) => g.members.length > 0),
    };
  }
}

describe('applyPlan: fresh observation of the targets', () => {
  const world = (n: number) =>
    new TargetedProvider('okta-main', {
      accounts: Array.from({ length: n }, (_, i) => ({ id: `00u${i}`, login: `p${i}@acme.com`, status: 'active' as const })),
      groups: [{ ...SALES, members: Array.from({ length: n }, (_, i) => `00u${i}`) }],
    });
  const contain = (i: number) => [
    aChange({ action: 'suspend', target: { account: { id: `00u${i}`, login: `p${i}@acme.com` } }, precondition: { accountStatus: ['active'] } }),
    aChange({ action: 'remove_member', target: { account: { id: `00u${i}`, login: `p${i}@acme.com` }, group: SALES }, precondition: { member: true } }),
  ];

  it('a few accounts are read one by one, not the whole directory; the re-check still sees what changed since the plan', async () => {
    const okta = world(10);
    okta.accounts.get('00u1')!.status = 'suspended'; // someone suspended p1 after the plan was made
    okta.groups.get(SALES.id)!.members.delete('00u2'); // and took p2 out of Sales
    const { report } = await j.apply(aPlan([...contain(1), ...contain(2)]), [okta]);
    expect(okta.observeCalls).toBe(0);
    expect(okta.targetedReads).toEqual([['00u1', '00u2']]);
    expect(report.results.map((r) => `${r.change.action} ${r.change.target.account?.login} ${r.result}`)).toEqual([
      'suspend p1@acme.com already',
      'remove_member p1@acme.com ok',
      'suspend p2@acme.com ok',
      'remove_member p2@acme.com already',
    ]);
  });

  it('beyond TARGETED_OBSERVE_MAX_ACCOUNTS accounts the provider is observed whole', async () => {
    const n = TARGETED_OBSERVE_MAX_ACCOUNTS + 1;
    const okta = world(n);
    const { report } = await j.apply(aPlan(Array.from({ length: n }, (_, i) => contain(i)[0]!)), [okta]);
    expect(okta.observeCalls).toBe(1);
    expect(okta.targetedReads).toEqual([]);
    expect(report.counts.ok).toBe(n);
  });
});

describe('applyPlan: a run killed between sending a change and journaling its outcome', () => {
  /** Runs the plan until suspend's outcome is about to be journaled, then stops as a SIGKILL would: the intent is on disk, the outcome is not. */
  async function killedAfterSending(okta: FakeProvider): Promise<void> {
    const { openJournalFile } = await import('../../src/journal/file-journal.js');
    const writer = await openJournalFile(j.path);
    const journal = {
      append: (entry: Parameters<typeof writer.append>[0]) =>
        entry.type === 'change' && entry.changeId === suspendAlice.id ? Promise.reject(new Error('killed')) : writer.append(entry),
    };
    await expect(applyWithJournal(aPlan([suspendAlice]), okta, journal)).rejects.toThrow('killed');
    await writer.close();
  }

  it('journals the intent first, and the next run records the effect it finds in place as done, without sending it again', async () => {
    const okta = oktaWorld();
    await killedAfterSending(okta);
    expect((await j.records()).map((r) => [r.type, r.result ?? null])).toEqual([
      ['run_start', null],
      ['intent', null],
    ]);
    expect(
      buildHistory(await j.records())
        .interrupted()
        .map((i) => i.change.id),
    ).toEqual([suspendAlice.id]);
    // The next plan does not suspend alice again: she is suspended.
    const { report } = await j.apply(aPlan([]), [okta]);
    expect(report.results).toEqual([]);
    expect(okta.effects.filter((e) => e.startsWith('suspend'))).toHaveLength(1);
    const recovered = (await j.records()).filter((r) => r.type === 'change' && r.changeId === suspendAlice.id);
    expect(recovered).toEqual([expect.objectContaining({ result: 'already', action: 'suspend', person: 'alice@acme.com' })]);
    expect(recovered[0]!.detail).toMatch(
      /sent by run .* which stopped before journaling its outcome; this run's observation finds it done \(account alice@acme.com is already suspended\)/,
    );
    expect(buildHistory(await j.records()).interrupted()).toEqual([]);
    expect((await j.verify()).ok).toBe(true);
  });

  it('records as skipped an interrupted change whose effect is not in place and that is no longer planned', async () => {
    const okta = oktaWorld();
    await killedAfterSending(okta);
    okta.accounts.get(ALICE.id)!.status = 'active'; // say, reactivated by hand since
    await j.apply(aPlan([]), [okta]);
    const recovered = (await j.records()).filter((r) => r.type === 'change' && r.changeId === suspendAlice.id);
    expect(recovered).toEqual([expect.objectContaining({ result: 'skipped' })]);
    expect(recovered[0]!.detail).toMatch(/does not find it done, and the plan no longer makes it/);
    expect(okta.effects.filter((e) => e.startsWith('suspend'))).toHaveLength(1);
  });

  it('a change planned again is simply applied again, and its outcome closes the intent', async () => {
    const okta = oktaWorld();
    await killedAfterSending(okta);
    await j.apply(aPlan([suspendAlice]), [okta]);
    const outcomes = (await j.records()).filter((r) => r.type === 'change' && r.changeId === suspendAlice.id);
    expect(outcomes).toEqual([expect.objectContaining({ result: 'already' })]);
    expect(buildHistory(await j.records()).interrupted()).toEqual([]);
  });
});
