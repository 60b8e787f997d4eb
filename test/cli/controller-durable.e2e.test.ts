import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { eventually, postEvent, startController, WEBHOOK_SECRET, type RunningController } from './controller-process.js';
import { controllerWorld, type ControllerWorld } from './controller-world.js';
import { freshDatabase, testPostgres } from '../support/postgres.js';
import { runCli } from './run-cli.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = { scim: contractLog('scim'), okta: contractLog('okta'), google: contractLog('google') };
const leaseExchanges = contractLog('kubernetes');

interface Backend {
  name: string;
  /** The flags that put a run on this store, and the environment its credentials come through. */
  args: string[];
  env: Record<string, string>;
  /** The journal's records, read straight from the store. */
  records(): Promise<Array<Record<string, unknown>>>;
}

async function fileBackend(cwd: string): Promise<Backend> {
  const dir = join(cwd, 'state');
  const file = join(dir, 'journal.jsonl');
  return {
    name: 'file',
    args: ['--state-dir', dir],
    env: {},
    records: async () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .trimEnd()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [],
  };
}

async function postgresBackend(): Promise<Backend> {
  const db = await freshDatabase();
  return {
    name: 'postgres',
    args: ['--state', db.url],
    env: { PGPASSWORD: db.password },
    records: async () =>
      (await db.sql<{ line: string }>('SELECT line FROM lockstep.journal ORDER BY seq').catch(() => [])).map((r) => JSON.parse(r.line) as Record<string, unknown>),
  };
}

const backends: Array<[string, (cwd: string) => Promise<Backend>]> = [['file', fileBackend]];
if (testPostgres) backends.push(['postgres', () => postgresBackend()]);

/**
 * The roster still says p3 is active (HR has not caught up); an HR event said she left.
 * Whatever happens to the controller after it answered 202 — SIGKILL of the leader with a
 * standby taking over, a restart, a CronJob's `--once` — she stays contained: nothing is
 * ever given back, on either state backend.
 */
describe.each(backends)('containment that is never undone (%s state)', (_name, make) => {
  let world: ControllerWorld;
  let cluster: KubernetesEmulator;
  let backend: Backend;
  let kubeconfig: string;
  const running: RunningController[] = [];
  const LEAVER = 'p3@acme.com';
  const env = () => ({ APP_TOKEN: world.secrets[0]!, OKTA_TOKEN: world.secrets[1]!, LOCKSTEP_WEBHOOK_SECRET: WEBHOOK_SECRET, ...backend.env });
  const ready = async (c: RunningController) => (await fetch(`${c.url}/readyz`).catch(() => null))?.status === 200;
  const members = (emu: { observed(): { accounts: Array<{ id: string; login: string }>; groups: Array<{ name: string; members: string[] }> } }, group: string) => {
    const o = emu.observed();
    const login = new Map(o.accounts.map((a) => [a.id, a.login]));
    return o.groups.find((g) => g.name === group)!.members.map((m) => login.get(m)!);
  };
  const contained = () =>
    world.scim.observed().accounts.find((a) => a.login === LEAVER)?.status === 'suspended' &&
    world.okta.observed().accounts.find((a) => a.login === LEAVER)?.status === 'suspended' &&
    !members(world.scim, 'Sales').includes(LEAVER) &&
    !members(world.okta, 'Sales').includes(LEAVER) &&
    !members(world.google, 'sales@acme.com').includes(LEAVER);
  const regrants = async () => (await backend.records()).filter((r) => r.type === 'change' && r.person === LEAVER && r.action === 'add_member');
  // Each replica clones the policy into a work folder of its own; the state store is what they share.
  const source = (name: string) => ['--repo', `file://${world.remote}`, '--branch', 'main', '--policies', 'policies', '--work-dir', join(world.cwd, name, 'repo')];
  const start = (name: string, extra: string[] = []) =>
    startController(
      [
        ...source(name),
        '--interval',
        '2s',
        '--listen',
        '127.0.0.1:0',
        ...backend.args,
        '--leader-election',
        '--lease-namespace',
        'lockstep',
        '--lease-name',
        'controller',
        '--lease-duration',
        '2',
        '--kubeconfig',
        kubeconfig,
        '--context',
        'ops',
        ...extra,
      ],
      { cwd: join(world.cwd, name), env: env() },
    );

  beforeAll(async () => {
    world = await controllerWorld(exchanges);
    backend = await make(world.cwd);
    kubeconfig = join(world.cwd, 'lease.kubeconfig');
    cluster = await startKubernetesEmulator({ kubeconfigPath: kubeconfig, context: 'ops', exchanges: leaseExchanges });
    for (const name of ['a', 'b', 'c', 'once']) mkdirSync(join(world.cwd, name), { recursive: true });
  }, 90_000);

  afterAll(async () => {
    for (const c of running) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await cluster?.close();
    await world?.close();
  });

  it('a leader SIGKILLed right after 202 is replaced by a standby that contains her; a --once run and a restart give nothing back', async () => {
    // Two replicas on one Lease and one state store (the file backend's folder is shared on this host).
    const a = await start('a');
    running.push(a);
    const b = await start('b');
    running.push(b);
    await eventually(async () => (await ready(a)) !== (await ready(b)), 30_000, 'exactly one ready replica');
    const [leader, standby] = (await ready(a)) ? [a, b] : [b, a];

    const accepted = await postEvent(leader.url, { id: 'evt-durable-p3', type: 'termination', person: { email: LEAVER }, effectiveAt: new Date().toISOString() });
    expect(accepted.status).toBe(202);
    leader.child.kill('SIGKILL');

    await eventually(() => ready(standby), 15_000, 'the standby takes over');
    await eventually(contained, 30_000, 'containment by the new leader');
    // Several cycles of the new leader (every 2 s) with the roster still saying "active".
    await new Promise((r) => setTimeout(r, 5_000));
    expect(contained()).toBe(true);
    expect(await regrants()).toEqual([]);
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);

    // CronJob mode on the same store: one cycle, nothing given back.
    const once = await runCli(['controller', '--once', ...source('once'), ...backend.args], { cwd: join(world.cwd, 'once'), env: env() });
    expect(once.code, once.stderr).toBe(0);
    expect(once.stderr).toMatch(/HR event evt-durable-p3 \(termination\) stands until the roster says the same/);
    expect(once.stderr).not.toMatch(/add_member/);
    expect(contained()).toBe(true);

    // A plan from the CLI on the same store names the standing event and gives nothing back either.
    const plan = await runCli(['plan', '--policies', join(world.cwd, 'once', 'repo', 'policies'), '--format', 'json', ...backend.args], {
      cwd: join(world.cwd, 'once'),
      env: env(),
    });
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { hrEvents?: Array<{ id: string; person: string }>; changes: Array<{ action: string; person: string | null }> };
    expect(parsed.hrEvents).toEqual([expect.objectContaining({ id: 'evt-durable-p3', person: LEAVER })]);
    expect(parsed.changes.filter((c) => c.person === LEAVER && c.action === 'add_member')).toEqual([]);

    // A restart: the new process knows the event only from the store.
    const c = await start('c');
    running.push(c);
    await eventually(() => ready(c), 20_000, 'the restarted controller is ready');
    await new Promise((r) => setTimeout(r, 5_000));
    expect(contained()).toBe(true);
    expect(await regrants()).toEqual([]);
    // The same event again is a duplicate, even to a process that never saw it.
    expect((await postEvent(c.url, { id: 'evt-durable-p3', type: 'termination', person: { email: LEAVER }, effectiveAt: new Date().toISOString() })).status).toBe(409);
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    const verified = await runCli(['audit', 'verify', ...backend.args], { cwd: join(world.cwd, 'once'), env: env() });
    expect(verified.code, verified.stderr).toBe(0);
  }, 150_000);
});
