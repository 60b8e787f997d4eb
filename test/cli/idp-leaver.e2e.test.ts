import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../providers/google/emulator/index.js';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import type { ObservedProvider, Plan } from '../../src/types/index.js';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { runCli, tempDir, type CliResult } from './run-cli.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const oktaExchanges = contractLog('okta');
const googleExchanges = contractLog('google');

/**
 * A leaver in Okta and Google Workspace, end to end through the CLI and both providers'
 * official SDKs against their emulators, across the leaver rule's stages: containment on
 * the day (suspend, sessions, tokens, factors, groups), ownership transfer after 7 days,
 * deletion after 30. Every output and every file Lockstep writes is then searched for the
 * credentials it held.
 */
const OKTA_TOKEN = 'okta-ssws-token-e2e-5c1f0b7a9d3e';
const DAY = 86_400_000;
const END = '2026-11-02';
const at = (days: number, hours = 1): string => new Date(Date.parse(`${END}T00:00:00Z`) + days * DAY + hours * 3_600_000).toISOString();

/**
 * Alice (Engineering) leaves on END; Bob, her manager, and Carol (Sales) stay. Everyone
 * is in the staff groups, engineers in the engineering groups, in both providers.
 */
const leaverWorld = () => {
  const w = aWorld(at(0))
    .withProvider('okta', 'okta', { token: '${file:okta.token}', owner: 'it-ops@acme.com' })
    .withProvider('gws', 'google', { customer: 'my_customer', transferPollMs: 20 })
    .withConfig({ guard: { maxSuspendFraction: 1.0, minGroupSize: 100 } })
    .withRole('staff', [
      ['okta', 'Employees'],
      ['gws', 'staff@acme.com'],
    ])
    .withRole('engineering', [
      ['okta', 'Engineering'],
      ['gws', 'engineering@acme.com'],
    ])
    .withAssignment('staff', { roles: ['staff'], select: { status: ['active'] } })
    .withAssignment('engineering', { roles: ['engineering'], select: { department: ['Engineering'], status: ['active'] } })
    .withRule('leaver', {
      trigger: 'terminated',
      stages: [
        { after: '0h', actions: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups'] },
        { after: '7d', actions: ['transfer_ownership'] },
        { after: '30d', actions: ['delete'] },
      ],
    })
    .withPerson({ employeeId: 'E1', email: 'alice@acme.com', name: 'Alice', manager: 'bob@acme.com', department: 'Engineering', title: 'Engineer', endDate: END })
    .withPerson({ employeeId: 'E2', email: 'bob@acme.com', name: 'Bob', department: 'Engineering', title: 'Manager' })
    .withPerson({ employeeId: 'E3', email: 'carol@acme.com', name: 'Carol', manager: 'bob@acme.com', department: 'Sales', title: 'AE' });
  const everyone = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com'];
  const ids = { okta: ['00u1alice', '00u2bob', '00u3carol'], gws: ['1001', '1002', '1003'] };
  for (const [provider, list] of Object.entries(ids))
    everyone.forEach((login, i) => w.withAccount(provider, { id: list[i]!, login, externalId: null, lastLoginAt: null }));
  return w
    .withGroup('okta', 'Engineering', everyone.slice(0, 2), { id: '00g1eng' })
    .withGroup('okta', 'Employees', everyone, { id: '00g2emp' })
    .withGroup('gws', 'engineering@acme.com', everyone.slice(0, 2), { id: 'g-eng' })
    .withGroup('gws', 'staff@acme.com', everyone, { id: 'g-staff' });
};

// Each test runs several CLI processes in sequence: minutes on a loaded 2-core machine.
describe('a leaver in Okta and Google Workspace, through the CLI', { timeout: 120_000 }, () => {
  let okta: OktaEmulator;
  let google: GoogleEmulator;
  let cwd: string;
  let privateKey: string;
  const outputs: CliResult[] = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(args, { cwd });
    outputs.push(r);
    return r;
  };
  const applyAt = async (days: number): Promise<Plan> => {
    const planned = await run(['plan', '--now', at(days), '--out', `day${days}.plan.json`, '--format', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const applied = await run(['apply', `day${days}.plan.json`]);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    return JSON.parse(planned.stdout) as Plan;
  };
  const actions = (plan: Plan, provider: string): string[] =>
    plan.changes.filter((c) => c.provider === provider).map((c) => (c.action === 'task' ? `task:${c.task?.action}` : c.action));

  beforeAll(async () => {
    const world = leaverWorld();
    okta = await startOktaEmulator({ seed: world.snapshot.providers.okta!, token: OKTA_TOKEN, exchanges: oktaExchanges });
    google = await startGoogleEmulator({ seed: world.snapshot.providers.gws!, transferPolls: 2, exchanges: googleExchanges });
    const key = google.serviceAccountKey()!;
    privateKey = (JSON.parse(key) as { private_key: string }).private_key;
    cwd = tempDir({ 'policies/okta.token': `${OKTA_TOKEN}\n` });
    const keyPath = join(cwd, 'google-key.json');
    writeFileSync(keyPath, key, { mode: 0o600 });
    world.withConnection('okta', { orgUrl: okta.url }).withConnection('gws', { subject: google.admin, credentials: `\${file:${keyPath}}`, rootUrl: google.url });
    writePolicyFiles(join(cwd, 'policies'), world);
  });

  afterAll(async () => {
    await okta?.close();
    await google?.close();
  });

  it('validates and observes both providers', async () => {
    expect((await run(['validate'])).code).toBe(0);
    const observed = await run(['observe', '--out', 'snapshot.json']);
    expect(observed.code, observed.stderr).toBe(0);
    const snapshot = JSON.parse(readFileSync(join(cwd, 'snapshot.json'), 'utf8')) as { providers: Record<string, ObservedProvider> };
    expect(snapshot.providers.okta!.accounts.map((a) => a.login).sort()).toEqual(['alice@acme.com', 'bob@acme.com', 'carol@acme.com']);
    expect(snapshot.providers.gws!.groups.map((g) => g.name).sort()).toEqual(['engineering@acme.com', 'staff@acme.com']);
  });

  it('contains the leaver on the day: suspended, signed out, tokens and factors gone, out of every group', async () => {
    const plan = await applyAt(0);
    expect(actions(plan, 'okta').sort()).toEqual(['remove_member', 'remove_member', 'reset_factors', 'revoke_sessions', 'revoke_tokens', 'suspend']);
    expect(actions(plan, 'gws').sort()).toEqual(['remove_member', 'remove_member', 'reset_factors', 'revoke_sessions', 'revoke_tokens', 'suspend']);
    for (const [emu, id] of [
      [okta, '00u1alice'],
      [google, '1001'],
    ] as const) {
      const state = emu.observed();
      expect(state.accounts.find((a) => a.id === id)?.status).toBe('suspended');
      expect(state.groups.filter((g) => g.members.includes(id))).toEqual([]);
      expect(emu.credentials(id)).toEqual({ sessions: 0, tokens: 0, factors: 0 });
    }
    // Nobody else was touched.
    expect(
      okta
        .observed()
        .accounts.filter((a) => a.status === 'active')
        .map((a) => a.id)
        .sort(),
    ).toEqual(['00u2bob', '00u3carol']);
    expect(okta.credentials('00u2bob').sessions).toBeGreaterThan(0);
    const again = await run(['plan', '--now', at(0, 2), '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('after 7 days hands the data to the manager: a Drive and Calendar transfer in Google, a task for the Okta owner', async () => {
    const plan = await applyAt(7);
    expect(actions(plan, 'gws')).toEqual(['transfer_ownership']);
    expect(actions(plan, 'okta')).toEqual(['task:transfer_ownership']);
    expect(plan.changes.find((c) => c.provider === 'gws')?.transferTo).toBe('bob@acme.com');
    expect(google.transfers()).toEqual([{ from: '1001', to: '1002' }]);
    const tasks = readdirSync(join(cwd, '.lockstep', 'tasks', 'okta')).filter((f) => f.endsWith('.json'));
    expect(tasks).toEqual([`${plan.changes.find((c) => c.provider === 'okta')?.id}.json`]);
    // The Okta owner hands over what the account owned and confirms it in the policy repo.
    writeFileSync(
      join(cwd, 'policies', 'confirmations.yaml'),
      `apiVersion: lockstep.dev/v1\nkind: Confirmation\nmetadata: { name: alice-okta-transfer }\nspec:\n  changes: [${tasks[0]!.slice(0, -5)}]\n  confirmedBy: it-ops@acme.com\n  confirmedAt: ${at(8)}\n  note: Okta-owned apps reassigned to bob\n`,
    );
  });

  it('after 30 days deletes the account in both; a rerun finds nothing left to do', async () => {
    const plan = await applyAt(30);
    // The confirmed task is recorded done, then the account goes.
    expect(actions(plan, 'okta')).toEqual(['task:transfer_ownership', 'delete']);
    expect(actions(plan, 'gws')).toEqual(['delete']);
    expect(okta.observed().accounts.map((a) => a.id)).not.toContain('00u1alice');
    expect(google.observed().accounts.map((a) => a.id)).not.toContain('1001');
    const clean = await run(['plan', '--now', at(30, 2), '--format', 'json']);
    expect((JSON.parse(clean.stdout) as Plan).changes).toEqual([]);
    const verified = await run(['audit', 'verify']);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('shows no credential in any output or in any file it wrote', async () => {
    expect(outputs.length).toBeGreaterThan(8);
    const secrets = [OKTA_TOKEN, ...privateKey.split('\n').filter((l) => l.length > 40), ...google.accessTokens()];
    expect(secrets.length).toBeGreaterThan(3);
    const written = walk(cwd).filter((f) => !f.endsWith('okta.token') && !f.endsWith('google-key.json'));
    expect(written.some((f) => f.endsWith('journal.jsonl'))).toBe(true);
    const texts = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...written.map((f) => readFileSync(f, 'utf8'))];
    for (const text of texts) for (const s of secrets) expect(text).not.toContain(s);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
