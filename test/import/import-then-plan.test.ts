import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/cli/output.js';
import { DEMO_NOW, demoOrg } from '../../src/demo/demo-org.js';
import type { Org } from '../../src/demo/model.js';
import { generateOrg } from '../../src/demo/org.js';
import { writePolicyFolder } from '../../src/demo/write-policy.js';
import { EMPTY_HISTORY } from '../../src/journal/history.js';
import { loadRoster } from '../../src/roster/load.js';
import { assemblePlan } from '../../src/run/assemble-plan.js';
import { loadImportPolicy, makeImport, writeImport, type MadeImport } from '../../src/run/import-run.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import { planningProviders } from '../../src/run/planning.js';
import type { Plan, Snapshot } from '../../src/types/index.js';
import { tempDir } from '../cli/run-cli.js';

/** The providers the planning benchmark generates its organisations with. */
const BENCH_PROVIDERS = [
  { name: 'okta', type: 'okta' },
  { name: 'gws', type: 'google' },
  { name: 'entra', type: 'entra' },
  { name: 'k8s', type: 'kubernetes' },
  { name: 'app', type: 'scim' },
] as const;

/**
 * Imports the organisation's observed state into a new policy folder (its Config and roster
 * as the starting point), loads that folder as `validate` does, and plans it against
 * `planned` (the same snapshot unless a test changes it).
 */
async function importThenPlan(org: Org, now: Date, planned: Snapshot = org.snapshot): Promise<{ made: MadeImport; plan: Plan }> {
  const dir = tempDir();
  const policiesDir = join(dir, 'policies');
  await writePolicyFolder(policiesDir, org);
  const snapshotFile = join(dir, 'snapshot.json');
  writeFileSync(snapshotFile, JSON.stringify(org.snapshot));
  const opts = { policiesDir, snapshotFile, now, log: silentLogger };
  const made = await makeImport(await loadImportPolicy(opts), opts, null);
  await writeImport(join(dir, 'out'), made.files, { force: false, log: silentLogger });
  const policy = await loadPolicy(join(dir, 'out'), { checkSecrets: false });
  const roster = await loadRoster(policy);
  const plan = assemblePlan({ policy, providers: planningProviders(policy), roster, snapshot: planned, now, history: EMPTY_HISTORY });
  return { made, plan };
}

/** Changes that are not the lifecycle's (leavers, contract ends) or an orphan's: what an import must not cause. */
const notLifecycle = (plan: Plan) => plan.changes.filter((c) => c.reason.kind !== 'lifecycle' && c.reason.kind !== 'orphan');

describe('lockstep import, then plan on the same observed state', () => {
  it('on the demo organisation: nothing changes but the lifecycle of its leavers and its orphan', async () => {
    const org = demoOrg();
    const { made, plan } = await importThenPlan(org, new Date(DEMO_NOW));
    const f = made.result.findings;

    expect(notLifecycle(plan)).toEqual([]);
    // The lifecycle still does its work: every leaver of the story is contained, the orphan leaves the managed admin group.
    const suspended = new Set(plan.changes.filter((c) => c.action === 'suspend').map((c) => c.person));
    for (const leaver of org.story.leavers) expect(suspended).toContain(leaver.email);
    expect(plan.changes.filter((c) => c.reason.kind === 'orphan').map((c) => `${c.provider} ${c.target.account?.login}`)).toContain(
      `${org.story.orphan.provider} ${org.story.orphan.login}`,
    );
    expect(f.unmatched.map((a) => a.login)).toEqual([org.story.orphan.login]);

    // Every observed group with people in it became a role, explained mostly by roster attributes.
    const groups = Object.values(org.snapshot.providers).reduce((n, p) => n + p.groups.length, 0);
    expect(made.result.roles).toHaveLength(groups - f.skipped.length);
    const memberships = f.imported.reduce((n, g) => n + g.members, 0);
    expect(f.imported.reduce((n, g) => n + g.bySelector, 0) / memberships).toBeGreaterThan(0.9);
    const engineering = made.result.assignments.find((a) => a.metadata.name === 'dept-engineering');
    expect(engineering?.spec.select).toEqual({ department: 'Engineering' });
    expect(engineering?.spec.roles).toEqual(expect.arrayContaining(['okta.engineering', 'google.engineering', 'entra.sg-engineering']));
    // Administrators are listed by name, never selected by an attribute.
    const oktaAdmins = made.result.roles.find((r) => r.metadata.name === 'okta.okta-admins');
    expect(oktaAdmins?.spec.tier).toBe('privileged');
    const adminAssignments = made.result.assignments.filter((a) => a.spec.roles.includes('okta.okta-admins'));
    expect(adminAssignments.map((a) => [a.spec.select, a.spec.people?.length])).toEqual([[undefined, 3]]);
    // The exception the story grants is access only a list explains.
    expect(f.explicitOnly.get(org.story.exception.person)).toEqual(expect.arrayContaining(['wiki.engineering']));
    expect(made.files.get('IMPORT.md')).toContain(org.story.orphan.login);
  });

  it('the same check sees a membership the import did not reproduce', async () => {
    const org = demoOrg();
    // Plan against a state where one engineer has left Okta's Engineering group since the import.
    const okta = org.snapshot.providers.okta!;
    const engineering = okta.groups.find((g) => g.name === 'Engineering')!;
    const changed: Snapshot = {
      ...org.snapshot,
      providers: { ...org.snapshot.providers, okta: { ...okta, groups: okta.groups.map((g) => (g === engineering ? { ...g, members: g.members.slice(1) } : g)) } },
    };
    const { plan } = await importThenPlan(org, new Date(DEMO_NOW), changed);
    expect(notLifecycle(plan).map((c) => `${c.action} ${c.provider} ${c.target.group?.name}`)).toEqual(['add_member okta Engineering']);
  });

  it('on a generated organisation of 10,000 people across five providers', async () => {
    const now = new Date('2026-11-20T09:00:00Z');
    const org = generateOrg({ people: 10_000, providers: BENCH_PROVIDERS, now, seed: 7 });
    const { made, plan } = await importThenPlan(org, now);
    expect(notLifecycle(plan)).toEqual([]);
    expect(plan.changes.some((c) => c.action === 'suspend')).toBe(true); // its recent leavers
    const f = made.result.findings;
    expect(f.imported.length).toBeGreaterThan(50);
    expect(f.imported.reduce((n, g) => n + g.bySelector, 0) / f.imported.reduce((n, g) => n + g.members, 0)).toBeGreaterThan(0.95);
  }, 60_000);
});
