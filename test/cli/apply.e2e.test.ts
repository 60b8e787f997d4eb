import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScimEmulator } from '../../providers/scim/emulator/index.js';
import type { Plan } from '../../src/types/index.js';
import { runCli } from './run-cli.js';
import { journalLines, membersOf, scimWorld, statusOf } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

let emulators: ScimEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function world(opts: Parameters<typeof scimWorld>[0]) {
  const w = await scimWorld({ ...opts, exchanges });
  emulators.push(w.emu);
  return w;
}

const writes = (emu: ScimEmulator) => emu.counters.total('PATCH') + emu.counters.total('DELETE') + emu.counters.total('POST');

describe('guard trip, approval, apply, re-plan', () => {
  it('halts with exit 3 and applies nothing, then applies exactly the approved plan, then plans no changes', async () => {
    const { cwd, emu, env, leavers } = await world({ size: 20, leaving: 8 });
    const plan = await runCli(['plan', '--out', 'plan.json'], { cwd, env });
    expect(plan.code).toBe(3);
    expect(plan.stdout).toContain('group_removal app "Sales": removing 8 of 21 members');

    const halted = await runCli(['apply', 'plan.json'], { cwd, env });
    expect(halted.code).toBe(3);
    expect(writes(emu)).toBe(0);
    expect(statusOf(emu, leavers[0]!)).toBe('active');
    const halt = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'halt');
    // remove_all_groups takes the leavers out of the unmanaged All Staff group too
    expect(halt.violations.map((v: { kind: string; group: string; removing: number }) => `${v.kind} ${v.group} ${v.removing}`).sort()).toEqual([
      'group_removal All Staff 8',
      'group_removal Sales 8',
    ]);

    const saved = JSON.parse(readFileSync(join(cwd, 'plan.json'), 'utf8')) as Plan;
    const wrong = await runCli(['apply', 'plan.json', '--approve-guard', 'sha256:' + '0'.repeat(64)], { cwd, env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not match');
    expect(writes(emu)).toBe(0);

    const applied = await runCli(['apply', 'plan.json', '--approve-guard', saved.checksum], { cwd, env });
    expect(applied.stderr).not.toContain('failed');
    expect(applied.code).toBe(0);
    for (const l of leavers) expect(statusOf(emu, l)).toBe('suspended');
    expect(membersOf(emu, 'Sales')).not.toContain(leavers[0]);
    expect(membersOf(emu, 'All Staff')).toHaveLength(13);
    const approval = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'approval');
    expect(JSON.stringify(approval)).toContain(saved.checksum);

    const again = await runCli(['plan', '--detailed-exitcode'], { cwd, env });
    expect(again.stdout).toContain('No changes. Access matches policy.');
    expect(again.code).toBe(0);
  });

  /** An Approval of the leavers' removals from `group`: 8, as many as there are. */
  const approval = (group: string) => ({ scope: { provider: 'app', group }, allowRemovals: 8, expires: '2099-01-01', reason: 'RIF HR-1' });

  it('Approval documents merged into the policy let the re-planned apply through, and only for what they cover', async () => {
    const { cwd, emu, env, policy, writePolicy } = await world({ size: 20, leaving: 8 });
    expect((await runCli(['plan'], { cwd, env })).code).toBe(3);
    policy.withApproval('rif', approval('Sales'));
    writePolicy();
    const partly = await runCli(['plan'], { cwd, env });
    expect(partly.code).toBe(3);
    expect(partly.stdout).toContain('approved by Approval/rif');
    policy.withApproval('rif-all-staff', approval('All Staff'));
    writePolicy();
    const plan = await runCli(['plan', '--out', 'plan.json'], { cwd, env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('approved by Approval/rif');
    expect((await runCli(['apply', 'plan.json'], { cwd, env })).code).toBe(0);
    expect(membersOf(emu, 'Sales')).toHaveLength(13);
  });

  it('a saved plan whose guard tripped is applied once Approvals covering it are merged, without planning again', async () => {
    const { cwd, emu, env, leavers, policy, writePolicy } = await world({ size: 20, leaving: 8 });
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd, env })).code).toBe(3);
    const saved = JSON.parse(readFileSync(join(cwd, 'plan.json'), 'utf8')) as Plan;
    expect(saved.guard.tripped).toBe(true);
    expect(saved.baseline?.groups.map((g) => `${g.name} ${g.members}`).sort()).toEqual(['All Staff 21', 'Sales 21']);

    policy.withApproval('rif', approval('Sales')).withApproval('rif-all-staff', approval('All Staff'));
    writePolicy();
    const applied = await runCli(['apply', 'plan.json'], { cwd, env });
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(
      /guard evaluated again against the policy's Approvals now: tripped \(2 unapproved, 0 approved.*\) when the plan was made, passed \(0 unapproved, 2 approved.*by Approval\/rif/,
    );
    for (const l of leavers) expect(statusOf(emu, l)).toBe('suspended');
    expect(membersOf(emu, 'Sales')).toHaveLength(13);
    const approved = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'approval');
    expect(approved.violations.map((v: { approvedBy: string }) => v.approvedBy).sort()).toEqual(['Approval/rif', 'Approval/rif-all-staff']);
  });

  it('a saved plan an Approval let through halts when that Approval is gone by the time it is applied', async () => {
    const { cwd, emu, env, leavers, policy, writePolicy } = await world({ size: 20, leaving: 8 });
    policy.withApproval('rif', approval('Sales')).withApproval('rif-all-staff', approval('All Staff'));
    writePolicy();
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd, env })).code).toBe(0);
    policy.approvals = policy.approvals.filter((a) => a.metadata.name === 'rif');
    writePolicy();
    const halted = await runCli(['apply', 'plan.json'], { cwd, env });
    expect(halted.code).toBe(3);
    expect(halted.stderr).toContain('The guard tripped');
    expect(writes(emu)).toBe(0);
    expect(statusOf(emu, leavers[0]!)).toBe('active');
    const halt = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'halt');
    expect(halt.violations.filter((v: { approvedBy: string | null }) => !v.approvedBy).map((v: { group: string }) => v.group)).toEqual(['All Staff']);
  });
});

describe('stale plans', () => {
  it('skips a change whose target changed since the plan, and reports it', async () => {
    const { cwd, emu, env, leavers } = await world({ size: 12, leaving: 1 });
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd, env })).code).toBe(0);
    // Someone deletes the leaver's account by hand before the apply.
    await fetch(`${emu.url}/Users/u0`, { method: 'DELETE', headers: { authorization: 'Bearer scim-secret-token-7f3a9c1e5b' } });
    const before = writes(emu);
    const r = await runCli(['apply', 'plan.json'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stale\s+\w+ suspend app p0@acme\.com/);
    expect(writes(emu)).toBe(before);
    const records = journalLines(cwd)
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'change');
    expect(records.filter((x) => x.result === 'stale').length).toBeGreaterThan(0);
    expect(statusOf(emu, leavers[0]!)).toBeUndefined();
  });

  it('refuses a saved plan older than the maximum age, or modified after it was made', async () => {
    const { cwd, emu, env } = await world({ size: 12, leaving: 1 });
    await runCli(['plan', '--out', 'plan.json'], { cwd, env });
    const plan = JSON.parse(readFileSync(join(cwd, 'plan.json'), 'utf8')) as Plan;
    writeFileSync(join(cwd, 'old.json'), JSON.stringify({ ...plan, createdAt: '2020-01-01T00:00:00Z' }));
    const old = await runCli(['apply', 'old.json'], { cwd, env });
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/stale/i);
    writeFileSync(join(cwd, 'edited.json'), JSON.stringify({ ...plan, changes: plan.changes.slice(1) }));
    const edited = await runCli(['apply', 'edited.json'], { cwd, env });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/checksum|modified/);
    expect(writes(emu)).toBe(0);
  });
});

describe('partial failure and rerun', () => {
  it('one failing change does not stop the others; the run exits 1; a rerun converges with no duplicate effect', async () => {
    const { cwd, emu, env, leavers } = await world({ size: 12, leaving: 3, retries: 1 });
    // Every suspend fails with a server error; group changes go through.
    emu.faults.add({ fault: { kind: 'server_error' }, method: 'PATCH', path: '/Users/{id}', times: 1000 });
    const first = await runCli(['apply', '--auto-approve'], { cwd, env });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/failed\s+\w+ suspend app p0@acme\.com/);
    for (const l of leavers) expect(statusOf(emu, l)).toBe('active');
    expect(membersOf(emu, 'Sales')).not.toContain(leavers[0]);
    const groupWrites = emu.counters.total('PATCH') - emu.counters.get('PATCH /Users/{id}');

    emu.faults.clear();
    const second = await runCli(['apply', '--auto-approve'], { cwd, env });
    expect(second.code).toBe(0);
    for (const l of leavers) expect(statusOf(emu, l)).toBe('suspended');
    // No group change was sent twice: the rerun only suspended.
    expect(emu.counters.total('PATCH') - emu.counters.get('PATCH /Users/{id}')).toBe(groupWrites);
    const third = await runCli(['plan', '--detailed-exitcode'], { cwd, env });
    expect(third.code).toBe(0);
  });
});

describe('bad input applies nothing', () => {
  it('a policy error stops apply before anything is observed or written', async () => {
    const { cwd, emu, env } = await world({ size: 12, leaving: 1 });
    writeFileSync(
      join(cwd, 'policies', 'broken.yaml'),
      'apiVersion: lockstep.dev/v1\nkind: RoleProfile\nmetadata: { name: x }\nspec:\n  grants: [ { provider: app, group: G } ]\n  colour: red\n---\napiVersion: lockstep.dev/v1\nkind: RoleProfile\nmetadata: { name: y }\nspec:\n  grants: [ { provider: nowhere, group: G } ]\n',
    );
    const r = await runCli(['apply', '--auto-approve'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policies\/broken\.yaml:6:3: unknown key "colour"/);
    expect(r.stderr).toMatch(/policies\/broken\.yaml:12:25: unknown provider "nowhere"/);
    expect(emu.counters.total()).toBe(0);
    expect(existsSync(join(cwd, '.lockstep', 'journal.jsonl'))).toBe(false);
  });

  it('a roster error stops apply the same way', async () => {
    const { cwd, emu, env } = await world({ size: 12, leaving: 1 });
    const people = join(cwd, 'policies', 'people.csv');
    writeFileSync(people, readFileSync(people, 'utf8') + 'E5,dup@acme.com,,Dup,,Sales,AE,employee,fired,,acme\n');
    const r = await runCli(['apply', '--auto-approve'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policies\/people\.csv:15:\d+: /);
    expect(emu.counters.total()).toBe(0);
  });

  it('an unset secret reference is reported at its position and nothing is observed', async () => {
    const { cwd, emu } = await world({ size: 12, leaving: 1 });
    const r = await runCli(['apply', '--auto-approve'], { cwd, env: {} });
    expect(r.code).toBe(1);
    // At the reference itself: its line and column in config.yaml as written.
    const lines = readFileSync(join(cwd, 'policies', 'config.yaml'), 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('"${env:APP_TOKEN}"'));
    expect(line).toBeGreaterThan(0);
    expect(r.stderr).toContain(`policies/config.yaml:${line + 1}:${lines[line]!.indexOf('"${env:APP_TOKEN}"') + 1}: `);
    expect(r.stderr).toMatch(/policies\/config\.yaml:\d+:\d+: .*APP_TOKEN/);
    expect(emu.counters.total()).toBe(0);
  });
});

describe('audit journal', () => {
  it('verifies after applies and names the first edited, deleted or reordered record', async () => {
    const { cwd, env } = await world({ size: 12, leaving: 2 });
    expect((await runCli(['apply', '--auto-approve'], { cwd, env })).code).toBe(0);
    const ok = await runCli(['audit', 'verify'], { cwd });
    expect(ok.code).toBe(0);
    const file = join(cwd, '.lockstep', 'journal.jsonl');
    const pristine = readFileSync(file, 'utf8');
    const lines = pristine.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);

    writeFileSync(file, lines.map((l, i) => (i === 3 ? l.replace('"result":"ok"', '"result":"failed"') : l)).join('\n') + '\n');
    const edited = await runCli(['audit', 'verify'], { cwd });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/line 4/);
    expect(edited.stderr).toMatch(/edited/);

    writeFileSync(file, lines.filter((_, i) => i !== 2).join('\n') + '\n');
    const deleted = await runCli(['audit', 'verify'], { cwd });
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(/deleted/);
    expect(deleted.stderr).toMatch(/seq 3\b/);

    const swapped = [...lines];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    writeFileSync(file, swapped.join('\n') + '\n');
    const reordered = await runCli(['audit', 'verify'], { cwd });
    expect(reordered.code).toBe(1);
    expect(reordered.stderr).toMatch(/reordered/);
    expect(reordered.stderr).toMatch(/line 3/);
  });
});

describe('secrets', () => {
  it('the token appears in no output, plan, snapshot, journal or task file', async () => {
    const { cwd, env } = await world({ size: 12, leaving: 2 });
    const outputs: string[] = [];
    for (const args of [
      ['validate'],
      ['observe', '--out', 'snap.json'],
      ['plan', '--out', 'plan.json', '--format', 'json'],
      ['apply', 'plan.json'],
      ['plan', '--format', 'markdown'],
      ['audit', 'verify'],
    ]) {
      const r = await runCli(args, { cwd, env: { ...env, LOCKSTEP_DEBUG: '1' } });
      outputs.push(r.stdout, r.stderr);
    }
    const bad = await runCli(['observe'], { cwd, env: { APP_TOKEN: 'wrong-token-0000' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401/);
    outputs.push(bad.stdout, bad.stderr);
    const files = ['snap.json', 'plan.json', '.lockstep/journal.jsonl'].map((f) => readFileSync(join(cwd, f), 'utf8'));
    const tasks = join(cwd, '.lockstep', 'tasks');
    mkdirSync(tasks, { recursive: true });
    for (const text of [...outputs, ...files]) {
      expect(text).not.toContain(env.APP_TOKEN);
      expect(text).not.toContain('wrong-token-0000');
    }
  });
});
