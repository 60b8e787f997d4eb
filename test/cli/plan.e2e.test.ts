import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/types/index.js';
import { ROOT, runCli, tempDir } from './run-cli.js';
import { git, SAM } from '../support/git-repo.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'spec-example');
const NOW = '2026-11-22T09:00:00Z';

function workspace(): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('lockstep plan against a snapshot (SPEC example)', () => {
  it('plans the leaver (and their alias account), the drift and the dormant flag, as JSON', async () => {
    const cwd = workspace();
    const r = await runCli(['plan', '--snapshot', 'snapshot.json', '--people', 'policies/people.csv', '--now', NOW, '--format', 'json'], { cwd });
    expect(r.stderr).not.toContain('internal error');
    const plan = JSON.parse(r.stdout) as Plan;
    const lines = plan.changes.map(
      (c) => `${c.action === 'task' ? `task:${c.task!.action}` : c.action} ${c.provider} ${c.target.account?.login}${c.target.group ? ` [${c.target.group.name}]` : ''}`,
    );
    expect(lines).toContain('suspend okta-main bob@acme.com');
    expect(lines).toContain('suspend okta-main robert@acme.com');
    expect(lines).toContain('suspend gws bob@acme.com');
    expect(lines).toContain('remove_member okta-main bob@acme.com [Okta Admins]');
    expect(lines).toContain('add_member okta-main dana@acme.com [Salesforce Users]');
    // carol keeps Jira Users through her exception, but no role gives her Salesforce Users
    expect(lines.filter((l) => l.includes('carol@vendor.com'))).toEqual(['remove_member okta-main carol@vendor.com [Salesforce Users]']);
    // breakglass is protected
    expect(lines.some((l) => l.includes('breakglass'))).toBe(false);
    const kinds = new Set(plan.findings.map((f) => f.kind));
    for (const k of ['former_with_access', 'ghost_account', 'orphan', 'dormant', 'protected_account']) expect(kinds).toContain(k);
    // removing bob leaves Okta Admins with ivan and judy (2): no min_members violation
    expect(plan.guard.violations.map((v) => v.kind)).not.toContain('min_members');
    expect(plan.now).toBe('2026-11-22T09:00:00.000Z');
    expect(r.code).toBe(plan.guard.tripped ? 3 : 0);
    // planning writes nothing: no state folder appears
    expect(existsSync(join(cwd, '.lockstep'))).toBe(false);
  });

  it('exits 3 when the guard trips, 2 with --detailed-exitcode when there are changes, 0 when there are none', async () => {
    const cwd = workspace();
    const tripped = await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW], { cwd });
    // 3 suspensions (bob, robert) in okta-main out of 9 active accounts > 10%
    expect(tripped.code).toBe(3);
    expect(tripped.stdout).toContain('Guard: TRIPPED');
    expect(tripped.stdout).toMatch(/mass_suspend okta-main/);

    const lenient = workspace();
    const config = join(lenient, 'policies', 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('maxSuspendFraction: 0.10', 'maxSuspendFraction: 0.5'));
    const changes = await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW, '--detailed-exitcode'], { cwd: lenient });
    expect(changes.code).toBe(2);
    expect(changes.stdout).toMatch(/^Plan: 1 to add, \d+ to remove, 3 to suspend, 0 to delete\./m);
    const plain = await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW], { cwd: lenient });
    expect(plain.code).toBe(0);
  });

  it('saves a plan with --out that show renders, and is the same plan for the same --now', async () => {
    const cwd = workspace();
    await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW, '--out', 'a.json', '--format', 'json'], { cwd });
    await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW, '--out', 'b.json', '--format', 'json'], { cwd });
    const { readFileSync } = await import('node:fs');
    const a = JSON.parse(readFileSync(join(cwd, 'a.json'), 'utf8')) as Plan;
    const b = JSON.parse(readFileSync(join(cwd, 'b.json'), 'utf8')) as Plan;
    expect(a.checksum).toBe(b.checksum);
    expect(a.changes).toEqual(b.changes);
    const shown = await runCli(['show', 'a.json', '--format', 'markdown'], { cwd });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^### .*Lockstep: Plan:/);
  });

  it('refuses a snapshot that is not valid JSON or not a snapshot, naming the file', async () => {
    const cwd = workspace();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'bad.json'), '{ "formatVersion": "1.0", ');
    const r = await runCli(['plan', '--snapshot', 'bad.json', '--now', NOW], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json:1:1: not valid JSON/);
    writeFileSync(
      join(cwd, 'bad.json'),
      JSON.stringify({ formatVersion: '1.0', observedAt: NOW, providers: { x: { type: 'okta', accounts: [{ id: 'a' }], groups: [] } } }),
    );
    const r2 = await runCli(['plan', '--snapshot', 'bad.json', '--now', NOW], { cwd });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/bad\.json: \/providers\/x\/accounts\/0/);
  });

  it('reports a grant naming a group the provider does not have at its file:line:col', async () => {
    const cwd = workspace();
    const roles = join(cwd, 'policies', 'roles.yaml');
    writeFileSync(roles, readFileSync(roles, 'utf8').replace('group: Salesforce Users }', 'group: Salesforce Userz }'));
    const r = await runCli(['plan', '--snapshot', 'snapshot.json', '--now', NOW], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policies\/roles\.yaml:9:\d+: .*Salesforce Userz/);
    expect(r.stdout).toBe('');
  });
});

describe('lockstep plan --sandbox with a policy folder that is not there', () => {
  it('says so before starting or observing anything', async () => {
    const r = await runCli(['plan', '--sandbox', '--policies', 'nope'], { cwd: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policy folder \S*nope does not exist/);
    expect(r.stderr).not.toMatch(/^observed |sandbox/m);
  });
});

describe('lockstep validate', () => {
  it('accepts the SPEC example offline, and requires its secret references to resolve otherwise', async () => {
    const cwd = workspace();
    const offline = await runCli(['validate', '--offline'], { cwd });
    // the exception names a group no role grants: reported, not refused
    expect(offline.stderr).toMatch(/^warning: policies\/lifecycle\.yaml:29:\d+: .*Jira Users/);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/Policy acme is valid/);
    const strict = await runCli(['validate'], { cwd });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/policies\/config\.yaml:8:\d+: .*OKTA_API_TOKEN/);
  });

  it('reports an unknown key, an unknown role and a bad roster status in one run, each at file:line:col', async () => {
    const cwd = workspace();
    const edit = (file: string, from: string | RegExp, to: string) => {
      const path = join(cwd, 'policies', file);
      const text = readFileSync(path, 'utf8');
      expect(text).toMatch(from);
      writeFileSync(path, text.replace(from, to));
    };
    edit('roles.yaml', '  tier: standard\n', '  tier: standard\n  colour: blue\n');
    edit('roles.yaml', 'roles: [okta-admin]', 'roles: [okta-admn]');
    edit('people.csv', /^(E100,.*),active,/m, '$1,actve,');
    const r = await runCli(['validate', '--offline'], { cwd });
    expect(r.code).toBe(1);
    const problems = r.stderr.split('\n').filter((l) => /^policies\//.test(l));
    expect(problems).toEqual([
      expect.stringMatching(/^policies\/roles\.yaml:7:3: unknown key "colour"/),
      expect.stringMatching(/^policies\/roles\.yaml:34:11: unknown role "okta-admn"/),
      expect.stringMatching(/^policies\/people\.csv:2:\d+: "status" must be one of: active, leave, terminated/),
    ]);
    expect(r.stderr).toContain('3 problems found');
  });

  it('with Config approvers, names each Approval that would not count, at its file:line:col', async () => {
    const cwd = workspace();
    const config = join(cwd, 'policies', 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^spec:\n/m, 'spec:\n  approvers: [priya@acme.com]\n'));
    writeFileSync(
      join(cwd, 'policies', 'approvals.yaml'),
      'apiVersion: lockstep.dev/v1\nkind: Approval\nmetadata: { name: big-cleanup }\nspec:\n  reason: Cleanup after the reorganisation\n  scope: { provider: okta-main }\n  allowRemovals: 10\n  expires: 2099-01-01\n',
    );
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, ...SAM, 'commit', '-qm', 'Approve my own cleanup');
    const r = await runCli(['validate', '--offline'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: policies\/approvals\.yaml:1:1: Approval\/big-cleanup was last changed by Sam Rivera <sam@acme\.com> in [0-9a-f]{12}, who is not in Config approvers; it does not count$/m,
    );
    expect(r.stdout).toMatch(/Policy acme is valid: .*, 1 approval, 4 providers, \d+ people\./);
  });
});
