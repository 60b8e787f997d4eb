import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, metricValue, postEvent, startController, WEBHOOK_SECRET, type RunningController } from './controller-process.js';
import { controllerWorld, type ControllerWorld } from './controller-world.js';
import { runCli } from './run-cli.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = { scim: contractLog('scim'), okta: contractLog('okta'), google: contractLog('google') };

/**
 * The controller as a real process against SCIM, Okta and Google emulators, following a
 * policy repository through Git: webhook refusals, a termination contained everywhere,
 * drift corrected on the next cycle, a guard halt with an alert until an Approval is
 * merged, and a clean SIGTERM that leaves a verifiable journal and no secret anywhere.
 */
describe('lockstep controller', () => {
  let world: ControllerWorld;
  let ctl: RunningController;
  let alerts: Array<Record<string, unknown>>;
  let receiver: Server;
  const metrics = async () => (await fetch(`${ctl.url}/metrics`)).text();
  const journalFile = () => join(world.cwd, 'state', 'journal.jsonl');
  const journal = () => (existsSync(journalFile()) ? readFileSync(journalFile(), 'utf8') : '');
  const records = () =>
    journal()
      .trimEnd()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const scimStatus = (login: string) => world.scim.observed().accounts.find((a) => a.login === login)?.status;
  const members = (emu: { observed(): { accounts: Array<{ id: string; login: string }>; groups: Array<{ name: string; members: string[] }> } }, group: string) => {
    const o = emu.observed();
    const login = new Map(o.accounts.map((a) => [a.id, a.login]));
    return o.groups
      .find((g) => g.name === group)!
      .members.map((m) => login.get(m)!)
      .sort();
  };

  beforeAll(async () => {
    world = await controllerWorld(exchanges);
    alerts = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(body) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const secretFile = join(world.cwd, 'webhook.secret');
    writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`, { mode: 0o600 });
    ctl = await startController(
      [
        '--repo',
        `file://${world.remote}`,
        '--branch',
        'main',
        '--policies',
        'policies',
        '--interval',
        '1s',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        join(world.cwd, 'state'),
        '--webhook-secret-file',
        secretFile,
        '--alert-webhook',
        `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alert`,
      ],
      { cwd: world.cwd, env: { APP_TOKEN: world.secrets[0]!, OKTA_TOKEN: world.secrets[1]! } },
    );
    await eventually(async () => (await fetch(`${ctl.url}/readyz`)).status === 200, 30_000, '/readyz 200');
  }, 60_000);

  afterAll(async () => {
    if (ctl && ctl.child.exitCode === null) ctl.child.kill('SIGKILL');
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await world?.close();
  });

  it('is healthy and ready once the first cycle has loaded the policy; an unchanged world needs nothing', async () => {
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
    expect(scimStatus('p0@acme.com')).toBe('active');
    expect(metricValue(await metrics(), 'lockstep_last_successful_run_timestamp_seconds')).toBeGreaterThan(0);
    expect(records().filter((r) => r.type === 'change')).toEqual([]);
  });

  it('refuses bad signatures, stale timestamps, malformed bodies and replays, changing nothing', async () => {
    const event = { id: 'evt-bad', type: 'termination', person: { email: 'p1@acme.com' }, effectiveAt: new Date().toISOString() };
    expect((await postEvent(ctl.url, event, { secret: 'wrong-secret' })).status).toBe(401);
    expect((await postEvent(ctl.url, event, { timestampMs: Date.now() - 10 * 60_000 })).status).toBe(401);
    const malformed = await postEvent(ctl.url, { ...event, person: {} });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toMatch(/person/);
    expect((await postEvent(ctl.url, null, { rawBody: '{"id":' })).status).toBe(400);
    const unsigned = await fetch(`${ctl.url}/v1/events`, { method: 'POST', body: JSON.stringify(event) });
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1500));
    expect(scimStatus('p1@acme.com')).toBe('active');
    expect(world.okta.observed().accounts.find((a) => a.login === 'p1@acme.com')?.status).toBe('active');
    expect(journal()).not.toContain('evt-bad');
  });

  it('contains a terminated person at once in every provider, journals the event id and counts MTTRevoke', async () => {
    const event = { id: 'evt-term-p0', type: 'termination', person: { employeeId: 'E0' }, effectiveAt: new Date().toISOString() };
    const accepted = await postEvent(ctl.url, event);
    expect(accepted).toEqual({ status: 202, body: { id: 'evt-term-p0', status: 'containing' } });
    await eventually(() => scimStatus('p0@acme.com') === 'suspended', 15_000, 'SCIM suspension');
    await eventually(async () => metricValue(await metrics(), 'lockstep_mttrevoke_seconds_count') >= 1, 15_000, 'MTTRevoke count');
    expect(world.okta.observed().accounts.find((a) => a.login === 'p0@acme.com')?.status).toBe('suspended');
    expect(world.google.observed().accounts.find((a) => a.login === 'p0@acme.com')?.status).toBe('suspended');
    expect(members(world.scim, 'Sales')).not.toContain('p0@acme.com');
    expect(members(world.scim, 'All Staff')).not.toContain('p0@acme.com');
    expect(members(world.okta, 'Sales')).not.toContain('p0@acme.com');
    expect(members(world.google, 'sales@acme.com')).not.toContain('p0@acme.com');
    expect(scimStatus('p1@acme.com')).toBe('active');
    const changes = records().filter((r) => r.type === 'change' && r.person === 'p0@acme.com');
    expect(changes.length).toBeGreaterThan(4);
    expect(changes.every((r) => (r.reason as { event?: string }).event === 'evt-term-p0')).toBe(true);
    expect(records().some((r) => r.type === 'run_start' && JSON.stringify(r.detail).includes('"events":["evt-term-p0"]'))).toBe(true);
    const text = await metrics();
    expect(metricValue(text, 'lockstep_changes_applied_total', { action: 'suspend', result: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(metricValue(text, 'lockstep_provider_requests_total', { provider: 'okta', status: '200' })).toBeGreaterThan(0);
    expect(metricValue(text, 'lockstep_provider_requests_total', { provider: 'app' })).toBeGreaterThan(0);
    // The same event again is a replay: refused, nothing done.
    expect((await postEvent(ctl.url, event)).status).toBe(409);
  });

  it('removes a member added behind its back on the next cycle and counts it as drift', async () => {
    const eng = world.scim.observed().accounts.find((a) => a.login === 'eng@acme.com')!;
    world.scim.store.patch('Groups', 'g-sales', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: eng.id }] }],
    });
    expect(members(world.scim, 'Sales')).toContain('eng@acme.com');
    await eventually(() => !members(world.scim, 'Sales').includes('eng@acme.com'), 15_000, 'drift removal');
    await eventually(async () => metricValue(await metrics(), 'lockstep_drift_corrected_total') >= 1, 5_000, 'drift metric');
    expect(records().some((r) => r.type === 'change' && r.person === 'eng@acme.com' && (r.reason as { kind: string }).kind === 'drift' && r.result === 'ok')).toBe(true);
    expect(ctl.output().stderr).toMatch(/drift corrected/);
  });

  it('halts on a guard trip with an alert and applies nothing, until an Approval is merged in Git', async () => {
    const before = members(world.scim, 'Sales');
    world.policy.withAssignment('sales-app', { roles: ['sales-app'], select: { department: 'Marketing', status: ['active'] } });
    world.commitPolicy('move the app to Marketing');
    await eventually(() => alerts.some((a) => a.kind === 'guard_halt'), 20_000, 'guard alert');
    await eventually(async () => metricValue(await metrics(), 'lockstep_guard_halts_total') >= 2, 20_000, 'a second halt');
    expect(members(world.scim, 'Sales')).toEqual(before);
    expect(records().some((r) => r.type === 'halt')).toBe(true);
    const alert = alerts.find((a) => a.kind === 'guard_halt')!;
    expect(JSON.stringify(alert.violations)).toMatch(/group_removal/);
    world.policy.withApproval('app-to-marketing', {
      scope: { provider: 'app', group: 'Sales' },
      allowRemovals: 20,
      expires: '2099-01-01',
      reason: 'the app moves to Marketing',
      approvedBy: 'the-cfo@acme.com',
    });
    world.commitPolicy('approve the move');
    await eventually(() => members(world.scim, 'Sales').length === 0, 20_000, 'approved removals');
    expect(members(world.okta, 'Sales').length).toBe(11);
    const approval = records().find((r) => r.type === 'approval');
    expect(JSON.stringify(approval?.approvals)).toContain('Approval/app-to-marketing');
    expect(approval?.policyCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('exits 0 on SIGTERM, leaving a journal that verifies and no secret in any output, metric or file', async () => {
    const text = await metrics();
    ctl.child.kill('SIGTERM');
    expect(await ctl.exited).toBe(0);
    const verified = await runCli(['audit', 'verify', '--journal', join(world.cwd, 'state', 'journal.jsonl')], { cwd: world.cwd });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const { stdout, stderr } = ctl.output();
    expect(stderr).toMatch(/shutting down/);
    const files = walk(join(world.cwd, 'state')).filter((f) => !f.includes(`${join('state', 'repo')}/.git`));
    const texts = [stdout, stderr, text, JSON.stringify(alerts), ...files.map((f) => readFileSync(f, 'utf8'))];
    for (const t of texts) for (const s of world.secrets) expect(t).not.toContain(s);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
