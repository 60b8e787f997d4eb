import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir } from './run-cli.js';

describe('lockstep demo', () => {
  it('tells the whole story and ends with a clean plan and a verified journal', { timeout: 120_000 }, async () => {
    const dir = join(tempDir(), 'demo');
    const r = await runCli(['demo', '--dir', dir], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/Northwind, 2\d\d people/);
    expect(out).toMatch(/Policy northwind is valid/);
    expect(out).toMatch(/ghost account .* belongs to /);
    expect(out).toMatch(/guard TRIPPED: group_removal helpdesk "Sales" removing 14 of 40/);
    expect(out).toMatch(/guard TRIPPED: group_removal okta "Sales" removing 14 of 40/);
    expect(out).toMatch(/guard TRIPPED: group_removal google "sales@northwind.example" removing 14 of 40/);
    expect(out).toMatch(/Apply halted by the guard: nothing applied/);
    for (const p of ['okta', 'google', 'entra', 'helpdesk']) expect(out).toMatch(new RegExp(`group_removal approved by Approval/rif-sales-${p}`));
    expect(out).toMatch(/Apply: \d+ ok, (\d+ already, )?\d+ pending\./);
    expect(out).toMatch(/No changes\. Access matches policy\./);
    expect(out).toMatch(/journal intact: \d+ records/);
    expect(existsSync(join(dir, '.lockstep', 'journal.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'policies', 'approvals', 'rif-sales-helpdesk.yaml'))).toBe(true);
  });
});

describe('lockstep demo refuses and stops', () => {
  it('refuses a --dir that holds anything, such as a policy repository, and leaves it as it was', async () => {
    const repo = tempDir({ 'policies/config.yaml': 'kind: Config\n' });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('-c', 'user.name=A', '-c', 'user.email=a@example.com', '-c', 'commit.gpgsign=false', 'commit', '-q', '--allow-empty', '-m', 'mine');
    const head = git('rev-parse', 'HEAD');
    const r = await runCli(['demo', '--dir', repo], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the folder is not empty');
    expect(r.stdout).toBe('');
    expect(readFileSync(join(repo, 'policies', 'config.yaml'), 'utf8')).toBe('kind: Config\n');
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(git('status', '--porcelain')).toBe('?? policies/');
  });

  it('accepts an empty --dir, and stops with exit 1 and the failing step when one fails (here: no git on the PATH)', { timeout: 60_000 }, async () => {
    const dir = join(tempDir(), 'empty');
    mkdirSync(dir);
    const r = await runCli(['demo', '--dir', dir], { cwd: ROOT, env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^demo stopped: make the policy repository: git failed \(the demo needs git on the PATH\)/);
    expect(r.stderr).toContain(`What it did so far is in ${dir}.`);
    expect(r.stdout).not.toContain('Done.');
  });

  it('refuses a --dir that is a file', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    const r = await runCli(['demo', '--dir', file], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not a folder');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('lockstep sandbox', () => {
  it('starts an emulator per provider type, prints the providers config, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lockstep.js'), 'sandbox'], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`sandbox did not start: ${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        if (stderr.includes('sandbox running')) {
          clearTimeout(timer);
          ready();
        }
      });
    });
    const config = parse(
      stdout
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ) as { providers: Record<string, Record<string, string>> };
    expect(Object.keys(config.providers).sort()).toEqual(['entra', 'google', 'helpdesk', 'okta', 'prod-cluster', 'vpn', 'wiki']);
    const helpdesk = config.providers.helpdesk!;
    expect(helpdesk.type).toBe('scim');
    expect(helpdesk.token).toMatch(/^\$\{file:.*helpdesk\.token\}$/);
    const tokenFile = helpdesk.token!.slice('${file:'.length, -1);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(stdout).not.toContain(token);
    const users = await fetch(`${helpdesk.baseUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);
    expect(((await users.json()) as { totalResults: number }).totalResults).toBeGreaterThan(100);
    const denied = await fetch(`${helpdesk.baseUrl}/Users?count=1`);
    expect(denied.status).toBe(401);
    const okta = config.providers.okta!;
    expect(okta).toMatchObject({ type: 'okta', orgUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) });
    const oktaToken = readFileSync(okta.token!.slice('${file:'.length, -1), 'utf8').trim();
    expect(stdout).not.toContain(oktaToken);
    const oktaUsers = await fetch(`${okta.orgUrl}/api/v1/users?limit=1`, { headers: { authorization: `SSWS ${oktaToken}` } });
    expect(oktaUsers.status).toBe(200);
    const google = config.providers.google!;
    expect(google).toMatchObject({ type: 'google', customer: 'my_customer', credentials: expect.stringMatching(/^\$\{file:.*google\.json\}$/) });
    const key = JSON.parse(readFileSync(google.credentials!.slice('${file:'.length, -1), 'utf8')) as { private_key: string };
    expect(stdout).not.toContain(key.private_key.split('\n')[1]);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('sandbox stopped');
  });
});
