import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
