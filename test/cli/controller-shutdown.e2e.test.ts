import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, gitEnv, postEvent, startController, WEBHOOK_SECRET, type RunningController } from './controller-process.js';
import { controllerWorld, type ControllerWorld } from './controller-world.js';
import { runCli } from './run-cli.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = { scim: contractLog('scim'), okta: contractLog('okta'), google: contractLog('google') };

/** How long the SCIM app holds each account change: long enough to stop the controller mid-change. */
const SLOW_MS = 2_500;

/**
 * SIGTERM while a change is in flight (SPEC §12, graceful shutdown): the controller takes
 * no more work, lets the provider call in flight finish and journals it, records what it
 * did not start as skipped, closes the run and exits 0; the next run finishes the rest.
 */
describe('lockstep controller: SIGTERM in the middle of a change', { timeout: 120_000 }, () => {
  let world: ControllerWorld;
  let ctl: RunningController | undefined;
  afterAll(async () => {
    if (ctl && ctl.child.exitCode === null) ctl.child.kill('SIGKILL');
    await world?.close();
  });

  it('finishes the change in flight, journals it and the run end, exits 0; a later run converges', async () => {
    world = await controllerWorld(exchanges);
    const state = join(world.cwd, 'state');
    const secretFile = join(world.cwd, 'webhook.secret');
    writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`, { mode: 0o600 });
    const env = { APP_TOKEN: world.secrets[0]!, OKTA_TOKEN: world.secrets[1]! };
    const args = ['--repo', `file://${world.remote}`, '--branch', 'main', '--policies', 'policies', '--state-dir', state];
    ctl = await startController([...args, '--interval', '1h', '--listen', '127.0.0.1:0', '--webhook-secret-file', secretFile], { cwd: world.cwd, env });
    await eventually(async () => (await fetch(`${ctl!.url}/readyz`)).status === 200, 30_000, '/readyz 200');

    const patches = () => world.scim.counters.get('PATCH /Users/{id}');
    const before = patches();
    world.scim.faults.set({ latency: { method: 'PATCH', path: '/Users/{id}', ms: SLOW_MS } });
    const event = { id: 'evt-stop-p3', type: 'termination', person: { employeeId: 'E3' }, effectiveAt: new Date().toISOString() };
    expect((await postEvent(ctl.url, event)).status).toBe(202);
    await eventually(() => patches() > before, 20_000, 'the SCIM suspension to be in flight');
    const signalledAt = Date.now();
    ctl.child.kill('SIGTERM');
    expect(await ctl.exited).toBe(0);
    const tookMs = Date.now() - signalledAt;

    // The call in flight was waited for, not cut off: the account is suspended and journaled so.
    expect(world.scim.observed().accounts.find((a) => a.login === 'p3@acme.com')?.status).toBe('suspended');
    expect(tookMs).toBeGreaterThan(SLOW_MS / 2);
    const lines = readFileSync(join(state, 'journal.jsonl'), 'utf8').trimEnd().split('\n');
    const records = lines.map(
      (l) => JSON.parse(l) as { type: string; runId: string; provider?: string; action?: string; person?: string; result?: string; detail?: string },
    );
    const suspend = records.find((r) => r.type === 'change' && r.provider === 'app' && r.action === 'suspend' && r.person === 'p3@acme.com');
    expect(suspend?.result).toBe('ok');
    const run = records.filter((r) => r.runId === suspend!.runId);
    expect(run.at(-1)?.type).toBe('run_end');
    // The SCIM app's later phase (leaving its groups) was not started once the stop came.
    const skipped = run.filter((r) => r.type === 'change' && r.result === 'skipped');
    expect(skipped.map((r) => `${r.provider} ${r.action}`)).toContain('app remove_member');
    expect(skipped.every((r) => /run stopped/.test(r.detail ?? ''))).toBe(true);
    expect(ctl.output().stderr).toMatch(/SIGTERM: shutting down[\s\S]*controller stopped/);
    const verified = await runCli(['audit', 'verify', '--journal', join(state, 'journal.jsonl')], { cwd: world.cwd });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // Nothing is lost: the next run (the termination now in the roster's place, as HR
    // would have it) finishes what the stopped one left.
    world.scim.faults.set({});
    world.policy.withPersonChanged('p3@acme.com', { status: 'terminated', endDate: new Date().toISOString().slice(0, 10) });
    world.commitPolicy('HR: p3 left');
    const once = await runCli(['controller', ...args, '--once'], { cwd: world.cwd, env: { ...gitEnv(world.cwd), ...env } });
    expect(once.code, once.stderr).toBe(0);
    const sales = world.scim.observed().groups.find((g) => g.name === 'Sales')!;
    const p3 = world.scim.observed().accounts.find((a) => a.login === 'p3@acme.com')!;
    expect(sales.members).not.toContain(p3.id);
    expect((await runCli(['audit', 'verify', '--journal', join(state, 'journal.jsonl')], { cwd: world.cwd })).code).toBe(0);
  });
});
