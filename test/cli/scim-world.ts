import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { tempDir } from './run-cli.js';

export const TOKEN = 'scim-secret-token-7f3a9c1e5b';
export const NOW = new Date().toISOString();

/**
 * A policy repo whose one SCIM app runs in an emulator: `size` Sales people in a managed
 * "Sales" group, of whom `leaving` were terminated yesterday, plus an admin who keeps
 * their access. The leaver rule suspends and removes groups.
 */
export async function scimWorld(opts: { size: number; leaving: number; retries?: number }): Promise<{ cwd: string; emu: ScimEmulator; env: Record<string, string>; leavers: string[] }> {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const rows = ['employee_id,email,aliases,name,manager_email,department,title,employment_type,status,end_date,org'];
  const accounts: ObservedProvider['accounts'] = [];
  const leavers: string[] = [];
  for (let i = 0; i < opts.size; i++) {
    const email = `p${i}@acme.com`;
    const leaving = i < opts.leaving;
    if (leaving) leavers.push(email);
    rows.push(`E${i},${email},,Person ${i},boss@acme.com,Sales,AE,employee,${leaving ? 'terminated' : 'active'},${leaving ? yesterday : ''},acme`);
    accounts.push({ id: `u${i}`, login: email, emails: [email], status: 'active' });
  }
  rows.push('E999,boss@acme.com,,Boss,,Sales,VP,employee,active,,acme');
  accounts.push({ id: 'u999', login: 'boss@acme.com', emails: ['boss@acme.com'], status: 'active' });
  const seed: ObservedProvider = {
    type: 'scim',
    accounts,
    groups: [
      { id: 'g-sales', name: 'Sales', members: accounts.map((a) => a.id) },
      { id: 'g-all', name: 'All Staff', members: accounts.map((a) => a.id) },
    ],
  };
  const emu = await startScimEmulator({ seed, token: TOKEN, etags: true, basePath: '/scim/v2' });
  const cwd = tempDir({
    'policies/config.yaml': `apiVersion: lockstep.dev/v1
kind: Config
metadata: { name: acme }
spec:
  people: { file: people.csv }
  domains: [acme.com]
  providers:
    app: { type: scim, baseUrl: "${emu.url}", token: "\${env:APP_TOKEN}", owner: app-owner@acme.com, deactivationEndsSessions: true }
  guard: { maxSuspendFraction: 1.0 }
  apply: { retries: ${opts.retries ?? 4} }
`,
    'policies/policy.yaml': `apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: sales }
spec:
  grants: [ { provider: app, group: Sales } ]
---
apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: sales }
spec:
  roles: [sales]
  select: { department: Sales }
---
apiVersion: lockstep.dev/v1
kind: LifecycleRule
metadata: { name: leaver }
spec:
  trigger: terminated
  stages:
    - after: 0h
      actions: [suspend, revoke_sessions, remove_all_groups]
`,
    'policies/people.csv': rows.join('\n') + '\n',
  });
  return { cwd, emu, env: { APP_TOKEN: TOKEN }, leavers };
}

/**
 * Approvals for the reduction in force a scimWorld's leavers make: up to 8 removals from
 * each of its groups ("Sales" and "All Staff"). `approvedBy` is informational only.
 */
export const RIF_APPROVALS = `apiVersion: lockstep.dev/v1
kind: Approval
metadata: { name: rif-sales }
spec:
  scope: { provider: app, group: Sales }
  allowRemovals: 8
  expires: 2099-01-01
  reason: RIF HR-1
  approvedBy: the-ceo@acme.com
---
apiVersion: lockstep.dev/v1
kind: Approval
metadata: { name: rif-all-staff }
spec:
  scope: { provider: app, group: All Staff }
  allowRemovals: 8
  expires: 2099-01-01
  reason: RIF HR-1
`;

export function journalLines(cwd: string): string[] {
  return readFileSync(join(cwd, '.lockstep', 'journal.jsonl'), 'utf8').trimEnd().split('\n');
}

export function statusOf(emu: ScimEmulator, login: string): string | undefined {
  return emu.observed().accounts.find((a) => a.login === login)?.status;
}

export function membersOf(emu: ScimEmulator, group: string): string[] {
  const o = emu.observed();
  const g = o.groups.find((x) => x.name === group)!;
  const loginOf = new Map(o.accounts.map((a) => [a.id, a.login]));
  return g.members.map((m) => loginOf.get(m)!).sort();
}
