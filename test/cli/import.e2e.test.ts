import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import { DEMO_NOW, demoSnapshot } from '../../src/demo/demo-org.js';
import { renderSnapshot } from '../../src/demo/write-policy.js';
import type { Plan } from '../../src/types/index.js';
import { contractLog } from '../contracts/record.js';
import { ROOT, runCli, tempDir } from './run-cli.js';

// Every exchange with the emulator is checked against Okta's definitions when the file is done.
const oktaExchanges = contractLog('okta');

/** The demo organisation's policy folder (its Config and roster are where an import starts) and its observed state. */
function workspace(): string {
  const dir = tempDir({ 'snapshot.json': renderSnapshot(demoSnapshot()) });
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  return dir;
}

const IMPORT = ['import', '--snapshot', 'snapshot.json', '--now', DEMO_NOW];

describe('lockstep import', () => {
  it('writes a policy that validates and that plan, on the same snapshot, finds nothing to change but the lifecycle', async () => {
    const cwd = workspace();
    const secret = 'okta-token-value-never-printed';
    const r = await runCli([...IMPORT, '--out', 'imported'], { cwd, env: { OKTA_API_TOKEN: secret } });
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Import of northwind/);
    expect(r.stdout).toContain('temp.admin@northwind.example'); // the orphan
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(readdirSync(join(cwd, 'imported')).sort()).toEqual([
      'IMPORT.md',
      'assignments.yaml',
      'config.yaml',
      'inventories',
      'lifecycle.yaml',
      'people.csv',
      'roles.yaml',
    ]);
    expect(readFileSync(join(cwd, 'imported', 'config.yaml'), 'utf8')).toContain('token: "${env:OKTA_API_TOKEN}"');

    const validate = await runCli(['validate', '--policies', 'imported', '--offline'], { cwd });
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toMatch(/^Policy northwind is valid: 70 role profiles/);

    const planned = await runCli(['plan', '--policies', 'imported', '--snapshot', 'snapshot.json', '--now', DEMO_NOW, '--format', 'json'], { cwd });
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.changes.filter((c) => c.reason.kind !== 'lifecycle' && c.reason.kind !== 'orphan')).toEqual([]);
    expect(plan.changes.length).toBeGreaterThan(0); // the leavers' containment
    // The demo's reduction in force empties the Sales groups by more than 30%: the guard says so, as on the demo's own policy.
    expect(planned.code).toBe(plan.guard.tripped ? 3 : 0);
  });

  it('refuses a non-empty output folder and leaves it as it was; --force writes into it and names what it replaced', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'policies', 'notes.txt'), 'mine');
    const refused = await runCli([...IMPORT, '--policies', 'policies', '--out', 'policies'], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('output folder policies is not empty');
    expect(refused.stdout).toBe('');
    expect(readFileSync(join(cwd, 'policies', 'roles.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'policies', 'roles.yaml'), 'utf8'));

    const out = tempDir({ 'roles.yaml': '# mine\n', 'extra.yaml': '# mine too\n' });
    const forced = await runCli([...IMPORT, '--out', out, '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(`replacing ${out}/roles.yaml`);
    expect(forced.stderr).toContain(`${out}/extra.yaml is not written by the import and will be loaded with it`);
    expect(readFileSync(join(out, 'roles.yaml'), 'utf8')).toContain('kind: RoleProfile');
  });

  it('--dry-run prints the files and the report and writes nothing', async () => {
    const cwd = workspace();
    const r = await runCli([...IMPORT, '--out', 'imported', '--dry-run'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# ==> roles.yaml <==');
    expect(r.stdout).toContain('# ==> people.csv <== (copied,');
    expect(r.stdout).toContain('# Import of northwind');
    expect(r.stderr).toContain('dry run: nothing written');
    expect(existsSync(join(cwd, 'imported'))).toBe(false);
  });

  it('--providers and --groups choose what is imported', async () => {
    const cwd = workspace();
    const r = await runCli([...IMPORT, '--out', 'imported', '--providers', 'entra', '--groups', 'SG-*'], { cwd });
    expect(r.code).toBe(0);
    const roles = readFileSync(join(cwd, 'imported', 'roles.yaml'), 'utf8');
    const grants = [...roles.matchAll(/\{ provider: (\S+), group: ([^}]+) \}/g)].map((m) => `${m[1]} ${m[2]!.trim()}`);
    expect(grants.length).toBeGreaterThan(5);
    expect(grants.every((g) => g.startsWith('entra SG-'))).toBe(true);
    expect(grants).not.toContain('entra All Company');
  });

  it('says what is wrong, exit 1, nothing written: an unknown provider, a missing roster, no --out', async () => {
    const cwd = workspace();
    const unknown = await runCli([...IMPORT, '--out', 'imported', '--providers', 'okta,salesforce'], { cwd });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('provider "salesforce" is not in the Config (it defines: entra, google, helpdesk, okta, prod-cluster, vpn, wiki)');

    const roster = await runCli([...IMPORT, '--out', 'imported', '--people', 'missing.csv'], { cwd });
    expect(roster.code).toBe(1);
    expect(roster.stderr).toContain('roster file missing.csv cannot be read');

    const noOut = await runCli(IMPORT, { cwd });
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--out DIR is required');

    const badRegex = await runCli([...IMPORT, '--out', 'imported', '--groups', '/(/'], { cwd });
    expect(badRegex.code).toBe(1);
    expect(badRegex.stderr).toContain('--groups /(/: not a valid regular expression');
    expect(existsSync(join(cwd, 'imported'))).toBe(false);
  });
});

describe('lockstep import from a live provider', () => {
  const token = 'okta-ssws-token-import-e2e-81d2c4';
  let okta: OktaEmulator;
  let cwd: string;
  beforeAll(async () => {
    okta = await startOktaEmulator({ seed: demoSnapshot().providers.okta!, token, exchanges: oktaExchanges });
    cwd = tempDir({
      'policies/config.yaml': [
        'apiVersion: lockstep.dev/v1',
        'kind: Config',
        'metadata: { name: northwind }',
        'spec:',
        '  people: { file: people.csv }',
        '  domains: [ northwind.example ]',
        '  providers:',
        `    okta: { type: okta, orgUrl: "${okta.url}", token: "\${env:OKTA_API_TOKEN}" }`,
        '',
      ].join('\n'),
      'policies/people.csv': readFileSync(join(ROOT, 'policies', 'people.csv'), 'utf8'),
    });
  });
  afterAll(async () => {
    await okta?.close();
  });

  it("observes the Config's providers through their SDK, and the plan that follows observes nothing to change but the lifecycle", async () => {
    const env = { OKTA_API_TOKEN: token };
    const r = await runCli(['import', '--out', 'imported', '--now', DEMO_NOW], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('okta as observed');
    const planned = await runCli(['plan', '--policies', 'imported', '--now', DEMO_NOW, '--format', 'json'], { cwd, env });
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.changes.filter((c) => c.reason.kind !== 'lifecycle' && c.reason.kind !== 'orphan')).toEqual([]);
    expect(plan.changes.filter((c) => c.action === 'suspend').length).toBeGreaterThan(0);
    const written = readdirSync(join(cwd, 'imported')).map((f) => (f === 'inventories' ? '' : readFileSync(join(cwd, 'imported', f), 'utf8')));
    for (const text of [r.stdout, r.stderr, planned.stderr, ...written]) expect(text).not.toContain(token);
  });
});
