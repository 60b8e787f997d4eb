import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemblePlan } from '../../src/run/assemble-plan.js';
import { EMPTY_HISTORY } from '../../src/journal/history.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import { loadRoster } from '../../src/roster/load.js';
import { planningProviders } from '../../src/run/planning.js';
import type { Person } from '../../src/roster/model.js';
import { tempDir } from '../cli/run-cli.js';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from './policy-folder.js';

/** A leaver and a mover in Okta and Google, with an exception, an approval and a contract-end rule. */
const world = () =>
  aWorld()
    .withProvider('okta', 'okta', { orgUrl: 'https://acme.okta.com', token: '${env:OKTA_API_TOKEN}' })
    .withProvider('gws', 'google', { customer: 'my_customer', subject: 'admin@acme.com', credentials: '${file:google.json}' })
    .withConfig({ guard: { maxGroupRemovalFraction: 0.5 } })
    .withLeaverRule()
    .withRule('contract-end', { trigger: 'contract_end', stages: [{ after: '0h', actions: ['suspend'] }] })
    .withRole('eng', [
      ['okta', 'Engineering'],
      ['gws', 'eng@acme.com'],
    ])
    .withRole('admin', [['okta', 'Okta Admins']], 'privileged')
    .withAssignment('eng-team', { roles: ['eng'], select: { department: 'Engineering' } })
    .withAssignment('admins', { roles: ['admin'], people: ['carol@acme.com'] })
    .withException('dan-admin', { person: 'dan@acme.com', grants: [{ provider: 'okta', group: 'Okta Admins' }], reason: 'migration, "phase 2"', expires: '2026-12-31' })
    .withApproval('eng-shrink', { scope: { provider: 'okta', group: 'Engineering' }, allowRemovals: 2, expires: '2026-12-31', reason: 'reorg' })
    .withPerson({ email: 'bob@acme.com', endDate: '2026-11-21', aliases: ['robert.old@acme.com', 'rob@acme.com'], manager: 'carol@acme.com' })
    .withPerson({ email: 'carol@acme.com', name: 'Carol, the manager' })
    .withPerson({ email: 'dan@acme.com', department: 'Sales', employmentType: 'contractor', status: 'active', title: 'AE' })
    .withAccount('okta', { login: 'bob@acme.com' })
    .withAccount('okta', { login: 'robert.old@acme.com' })
    .withAccount('okta', { login: 'carol@acme.com' })
    .withAccount('okta', { login: 'dan@acme.com' })
    .withAccount('gws', { login: 'bob@acme.com' })
    .withAccount('gws', { login: 'dan@acme.com' })
    .withGroup('okta', 'Engineering', ['bob@acme.com', 'robert.old@acme.com', 'dan@acme.com'])
    .withGroup('okta', 'Okta Admins', ['dan@acme.com'])
    .withGroup('gws', 'eng@acme.com', ['bob@acme.com']);

const fields = ({ at: _at, ...rest }: Person) => rest;

describe('the policy folder written from a World', () => {
  it('loads as the same policy and roster, and plans the same changes', async () => {
    const w = world();
    const dir = writePolicyFiles(join(tempDir(), 'policies'), w);
    const policy = await loadPolicy(dir);
    const roster = await loadRoster(policy);
    const expected = w.policy();
    expect(policy.config.doc).toEqual(expected.config.doc);
    expect(new Map([...policy.roles].map(([k, r]) => [k, r.doc]))).toEqual(new Map([...expected.roles].map(([k, r]) => [k, r.doc])));
    for (const kind of ['assignments', 'lifecycleRules', 'exceptions', 'approvals'] as const) {
      expect(
        policy[kind].map((d) => d.doc),
        kind,
      ).toEqual(expected[kind].map((d) => d.doc));
    }
    expect(roster.people.map(fields)).toEqual(w.roster().people.map(fields));

    const now = new Date(w.now);
    const planned = assemblePlan({ policy, providers: planningProviders(policy), roster, snapshot: w.snapshot, now, history: EMPTY_HISTORY, createdAt: now });
    const bare = (changes: typeof planned.changes) => changes.map(({ reason: { source: _s, ...reason }, ...c }) => ({ ...c, reason }));
    expect(planned.changes.length).toBeGreaterThan(10);
    expect(bare(planned.changes)).toEqual(bare(w.plan().changes));
    expect(planned.guard).toEqual(w.plan().guard);
  });

  it('writes the folder again after the world changes, dropping the file of a kind it no longer has', async () => {
    const w = world();
    const dir = writePolicyFiles(join(tempDir(), 'policies'), w);
    w.approvals.length = 0;
    w.withPersonChanged('dan@acme.com', { status: 'terminated', endDate: '2026-11-20' });
    writePolicyFiles(dir, w);
    const policy = await loadPolicy(dir);
    expect(policy.approvals).toEqual([]);
    expect((await loadRoster(policy)).people.find((p) => p.email === 'dan@acme.com')).toMatchObject({ status: 'terminated', endDate: '2026-11-20', department: 'Sales' });
  });
});
