import type { ExchangeLog } from '../../src/emulator/exchanges.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import type { ApprovalDocument } from '../../src/types/index.js';
import { aWorld, type World } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { tempDir } from './run-cli.js';

export const TOKEN = 'scim-secret-token-7f3a9c1e5b';
export const NOW = new Date().toISOString();

export interface ScimWorld {
  cwd: string;
  emu: ScimEmulator;
  env: Record<string, string>;
  leavers: string[];
  /** The world the policy folder (`cwd`/policies) is written from; edit it, then `writePolicy()`. */
  policy: World;
  writePolicy(): void;
}

/**
 * A policy repo whose one SCIM app runs in an emulator: `size` Sales people in a managed
 * "Sales" group, of whom `leaving` were terminated yesterday, plus an admin who keeps
 * their access. The leaver rule suspends and removes groups.
 */
export async function scimWorld(opts: { size: number; leaving: number; retries?: number; exchanges?: ExchangeLog }): Promise<ScimWorld> {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const policy = aWorld(NOW)
    .withProvider('app', 'scim', { token: '${env:APP_TOKEN}', owner: 'app-owner@acme.com', deactivationEndsSessions: true })
    .withConfig({ guard: { maxSuspendFraction: 1.0 }, apply: { retries: opts.retries ?? 4 } })
    .withRole('sales', [['app', 'Sales']])
    .withAssignment('sales', { roles: ['sales'], select: { department: 'Sales' } })
    .withRule('leaver', { trigger: 'terminated', stages: [{ after: '0h', actions: ['suspend', 'revoke_sessions', 'remove_all_groups'] }] });
  const leavers: string[] = [];
  const everyone: string[] = [];
  for (let i = 0; i < opts.size; i++) {
    const email = `p${i}@acme.com`;
    const leaving = i < opts.leaving;
    if (leaving) leavers.push(email);
    policy.withPerson({
      employeeId: `E${i}`,
      email,
      name: `Person ${i}`,
      manager: 'boss@acme.com',
      department: 'Sales',
      title: 'AE',
      ...(leaving ? { endDate: yesterday } : {}),
    });
    policy.withAccount('app', { id: `u${i}`, login: email, lastLoginAt: null });
    everyone.push(email);
  }
  policy.withPerson({ employeeId: 'E999', email: 'boss@acme.com', name: 'Boss', department: 'Sales', title: 'VP' });
  policy.withAccount('app', { id: 'u999', login: 'boss@acme.com', lastLoginAt: null });
  everyone.push('boss@acme.com');
  policy.withGroup('app', 'Sales', everyone, { id: 'g-sales' }).withGroup('app', 'All Staff', everyone, { id: 'g-all' });
  const emu = await startScimEmulator({ seed: policy.snapshot.providers.app!, token: TOKEN, etags: true, basePath: '/scim/v2', exchanges: opts.exchanges });
  policy.withConnection('app', { baseUrl: emu.url });
  const cwd = tempDir();
  const writePolicy = () => void writePolicyFiles(join(cwd, 'policies'), policy);
  writePolicy();
  return { cwd, emu, env: { APP_TOKEN: TOKEN }, leavers, policy, writePolicy };
}

/**
 * The Approvals for the reduction in force a scimWorld's leavers make: up to 8 removals
 * from each of its groups ("Sales" and "All Staff"), with `spec` laid over both.
 * `approvedBy` is informational only.
 */
export function withRifApprovals(policy: World, spec: Partial<ApprovalDocument['spec']> = {}): World {
  const rif = (group: string) => ({ scope: { provider: 'app', group }, allowRemovals: 8, expires: '2099-01-01', reason: 'RIF HR-1' });
  return policy.withApproval('rif-sales', { ...rif('Sales'), approvedBy: 'the-ceo@acme.com', ...spec }).withApproval('rif-all-staff', { ...rif('All Staff'), ...spec });
}

export function journalLines(cwd: string): string[] {
  return readFileSync(join(cwd, '.lockstep', 'journal.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
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
