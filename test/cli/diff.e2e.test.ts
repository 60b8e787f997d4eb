import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EffectiveDiff } from '../../src/diff/effective.js';
import { runCli, tempDir } from './run-cli.js';

const NOW = '2026-11-20T09:00:00Z';
const CONFIG = (maxGroupRemovalFraction: number) => `apiVersion: lockstep.dev/v1
kind: Config
metadata: { name: acme }
spec:
  people: { file: people.csv }
  providers:
    okta: { type: okta, orgUrl: https://acme.okta.com, token: "\${env:OKTA_API_TOKEN}" }
  guard: { maxGroupRemovalFraction: ${maxGroupRemovalFraction} }
`;
const ROLES = (salesGroups: string[], adminTier = 'privileged') => `apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: sales }
spec:
  grants: [${salesGroups.map((g) => `{ provider: okta, group: ${g} }`).join(', ')}]
---
apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: admin }
spec:
  tier: ${adminTier}
  grants: [ { provider: okta, group: Okta Admins } ]
---
apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: sales }
spec:
  roles: [sales]
  select: { department: Sales }
---
apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: admins }
spec:
  roles: [admin]
  people: [ada@acme.com]
`;
const PEOPLE = `employee_id,email,department,status
E1,ada@acme.com,IT,active
E2,sam@acme.com,Sales,active
E3,kim@acme.com,Sales,active
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@acme.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe('lockstep diff', { timeout: 120_000 }, () => {
  let repo: string;
  let baseCommit: string;
  beforeAll(() => {
    repo = tempDir({ 'policies/config.yaml': CONFIG(0.3), 'policies/roles.yaml': ROLES(['Salesforce']), 'policies/people.csv': PEOPLE });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    baseCommit = git(repo, 'rev-parse', 'HEAD');
    // The change under review: Sales also get Gong and lose Salesforce, kim joins the admins, the guard is loosened.
    writeFileSync(join(repo, 'policies', 'roles.yaml'), ROLES(['Gong']).replace('people: [ada@acme.com]', 'people: [ada@acme.com, kim@acme.com]'));
    writeFileSync(join(repo, 'policies', 'config.yaml'), CONFIG(0.5));
    git(repo, 'commit', '-qam', 'head');
  });

  const diff = async (args: string[], cwd = repo): Promise<EffectiveDiff> => {
    const r = await runCli(['diff', ...args, '--now', NOW, '--format', 'json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as EffectiveDiff;
  };

  it('reports who gains and loses which grant, per person and per group, with the settings and the YAML diff', async () => {
    const d = await diff(['--base', 'HEAD~1', '--head', 'HEAD']);
    expect(d.base.commit).toBe(baseCommit);
    expect(d.people).toEqual([
      {
        person: 'kim@acme.com',
        gained: [
          { provider: 'okta', group: 'Gong', via: ['RoleProfile/sales'], privileged: false },
          { provider: 'okta', group: 'Okta Admins', via: ['RoleProfile/admin'], privileged: true },
        ],
        lost: [{ provider: 'okta', group: 'Salesforce', via: ['RoleProfile/sales'], privileged: false }],
      },
      {
        person: 'sam@acme.com',
        gained: [{ provider: 'okta', group: 'Gong', via: ['RoleProfile/sales'], privileged: false }],
        lost: [{ provider: 'okta', group: 'Salesforce', via: ['RoleProfile/sales'], privileged: false }],
      },
    ]);
    expect(d.groups.map((g) => [g.group, g.gained, g.lost, g.managed])).toEqual([
      ['Gong', ['kim@acme.com', 'sam@acme.com'], [], { before: false, after: true }],
      ['Okta Admins', ['kim@acme.com'], [], { before: true, after: true }],
      ['Salesforce', [], ['kim@acme.com', 'sam@acme.com'], { before: true, after: false }],
    ]);
    expect(d.summary).toMatchObject({ peopleGaining: 2, peopleLosing: 2, grantsGained: 3, grantsLost: 2, privilegedGained: 1 });
    const guard = d.settings.find((s) => s.kind === 'guard');
    expect(guard).toMatchObject({ name: 'maxGroupRemovalFraction', before: 0.3, after: 0.5, widens: true });
    expect(d.settings.find((s) => s.kind === 'role' && s.name === 'sales')).toMatchObject({ change: 'changed', widens: true });
    expect(d.files.map((f) => [f.path, f.status])).toEqual([
      ['config.yaml', 'modified'],
      ['roles.yaml', 'modified'],
    ]);
    expect(d.files[1]!.patch).toContain('+  grants: [{ provider: okta, group: Gong }]');
  });

  it('compares against the work tree by default, and reports no change when there is none', async () => {
    expect((await diff(['--base', 'HEAD'])).summary).toMatchObject({ grantsGained: 0, grantsLost: 0, settingsChanged: 0, filesChanged: 0 });
    const text = await runCli(['diff', '--base', 'HEAD', '--now', NOW], { cwd: repo });
    expect(text.stdout).toContain('No change in effective access.');
    writeFileSync(join(repo, 'policies', 'config.yaml'), CONFIG(0.2));
    const tightened = await diff(['--base', 'HEAD']);
    expect(tightened.settings).toEqual([expect.objectContaining({ kind: 'guard', before: 0.5, after: 0.2, widens: false })]);
    const exit = await runCli(['diff', '--base', 'HEAD', '--detailed-exitcode', '--now', NOW], { cwd: repo });
    expect(exit.code).toBe(2);
    git(repo, 'checkout', '--', 'policies/config.yaml');
  });

  it('renders markdown for a pull request: gains marked, privileged called out, the YAML diff collapsed', async () => {
    const r = await runCli(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--now', NOW, '--format', 'markdown'], { cwd: repo });
    expect(r.stdout).toContain('| kim@acme.com | **gains** ⚠️ | okta | Okta Admins | **privileged** | RoleProfile/admin |');
    expect(r.stdout).toContain('<details><summary>Policy text diff (2 files)</summary>');
    expect(r.stdout).toContain('⚠️ guard.maxGroupRemovalFraction changed: 0.3 → 0.5 [WIDENS]');
  });

  it('follows renames and deletions across several commits, and names the ref and path of a malformed file', async () => {
    const r = tempDir({
      'policies/config.yaml': CONFIG(0.3),
      'policies/roles.yaml': ROLES(['Salesforce']),
      'policies/people.csv': PEOPLE,
      'policies/exceptions.yaml': `apiVersion: lockstep.dev/v1\nkind: Exception\nmetadata: { name: sam-admin }\nspec:\n  person: sam@acme.com\n  grants: [ { provider: okta, group: Okta Admins } ]\n  reason: migration\n  expires: 2099-01-01\n`,
    });
    git(r, 'init', '-q', '-b', 'main');
    git(r, 'add', '.');
    git(r, 'commit', '-qm', 'c1');
    git(r, 'mv', 'policies/roles.yaml', 'policies/roles-sales.yaml');
    git(r, 'commit', '-qm', 'c2: rename');
    git(r, 'rm', '-q', 'policies/exceptions.yaml');
    git(r, 'commit', '-qm', 'c3: drop the exception');
    const renamed = await diff(['--base', 'HEAD~2', '--head', 'HEAD~1'], r);
    expect(renamed.people).toEqual([]);
    expect(renamed.files.map((f) => [f.path, f.status])).toEqual([
      ['roles-sales.yaml', 'added'],
      ['roles.yaml', 'removed'],
    ]);
    const dropped = await diff(['--base', 'HEAD~2', '--head', 'HEAD'], r);
    expect(dropped.people).toEqual([
      { person: 'sam@acme.com', gained: [], lost: [{ provider: 'okta', group: 'Okta Admins', via: ['Exception/sam-admin'], privileged: true }] },
    ]);
    expect(dropped.files.map((f) => [f.path, f.status])).toEqual([
      ['exceptions.yaml', 'removed'],
      ['roles-sales.yaml', 'added'],
      ['roles.yaml', 'removed'],
    ]);

    writeFileSync(join(r, 'policies', 'roles-sales.yaml'), ROLES(['Gong']).replace('  tier: privileged', '  tier: [privileged'));
    git(r, 'commit', '-qam', 'c4: broken');
    const broken = await runCli(['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--now', NOW], { cwd: r });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^HEAD:policies\/roles-sales\.yaml:\d+:\d+: /m);
    expect(broken.stderr).not.toContain('lockstep-ref-');
  });

  it('works in a shallow clone once the base commit is fetched, and names a ref it cannot find', async () => {
    const clone = tempDir();
    git(clone, 'clone', '-q', '--depth', '1', `file://${repo}`, 'c');
    const cwd = join(clone, 'c');
    const missing = await runCli(['diff', '--base', baseCommit, '--now', NOW], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`unknown Git ref "${baseCommit}"`);
    git(cwd, 'fetch', '-q', '--depth', '1', 'origin', baseCommit);
    expect((await diff(['--base', baseCommit], cwd)).summary.grantsGained).toBe(3);
  });
});
