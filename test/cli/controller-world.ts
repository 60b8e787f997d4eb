import type { ExchangeLog } from '../../src/emulator/exchanges.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGoogleEmulator, type GoogleEmulator } from '../../providers/google/emulator/index.js';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import { aWorld, type World } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { gitEnv, WEBHOOK_SECRET } from './controller-process.js';
import { tempDir } from './run-cli.js';

export const SCIM_TOKEN = 'scim-ctl-token-91c4e7a2d8';
export const OKTA_TOKEN = 'okta-ctl-token-0d7f3b6e1a';

/**
 * A policy repository (a bare Git remote plus a working clone to commit from) for twelve
 * Sales people and one engineer, with a SCIM app, Okta and Google Workspace in emulators
 * seeded from the same World. Sales get the Sales group everywhere; the SCIM app's Sales
 * group comes from an assignment of its own (sales-app), so one commit can empty it (and
 * trip the guard).
 */
export interface ControllerWorld {
  cwd: string;
  work: string;
  remote: string;
  scim: ScimEmulator;
  okta: OktaEmulator;
  google: GoogleEmulator;
  secrets: string[];
  /** The world the policy folder is written from; edit it, then `commitPolicy`. */
  policy: World;
  /** Writes the policy folder from `policy`, commits it and pushes it to the remote. */
  commitPolicy(message: string): void;
  close(): Promise<void>;
}

/** `exchanges` keeps each emulator's exchanges for the contract checks. */
export async function controllerWorld(exchanges: { scim?: ExchangeLog; okta?: ExchangeLog; google?: ExchangeLog } = {}): Promise<ControllerWorld> {
  const sales = Array.from({ length: 12 }, (_, i) => `p${i}@acme.com`);
  const everyone = [...sales, 'eng@acme.com'];
  const policy = aWorld(new Date().toISOString())
    .withProvider('app', 'scim', { token: '${env:APP_TOKEN}', owner: 'app-owner@acme.com', deactivationEndsSessions: true })
    .withProvider('okta', 'okta', { token: '${env:OKTA_TOKEN}', owner: 'it-ops@acme.com' })
    .withProvider('gws', 'google', { customer: 'my_customer' })
    .withConfig({ guard: { maxSuspendFraction: 1.0 } })
    .withRole('sales', [
      ['okta', 'Sales'],
      ['gws', 'sales@acme.com'],
    ])
    .withRole('sales-app', [['app', 'Sales']])
    .withAssignment('sales', { roles: ['sales'], select: { department: 'Sales', status: ['active'] } })
    .withAssignment('sales-app', { roles: ['sales-app'], select: { department: 'Sales', status: ['active'] } })
    .withRule('leaver', {
      trigger: 'terminated',
      stages: [{ after: '0h', actions: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups'] }],
    });
  sales.forEach((email, i) => policy.withPerson({ employeeId: `E${i}`, email, name: `Person ${i}`, manager: 'boss@acme.com', department: 'Sales', title: 'AE' }));
  policy.withPerson({ employeeId: 'E99', email: 'eng@acme.com', name: 'Eng', department: 'Engineering', title: 'Engineer' });
  for (const [provider, prefix] of [
    ['app', 'u'],
    ['okta', '00u'],
    ['gws', '10'],
  ] as const) {
    everyone.forEach((login, i) => policy.withAccount(provider, { id: `${prefix}${i}`, login, externalId: null, lastLoginAt: null }));
  }
  policy
    .withGroup('app', 'Sales', sales, { id: 'g-sales' })
    .withGroup('app', 'All Staff', everyone, { id: 'g-all' })
    .withGroup('okta', 'Sales', sales, { id: '00gsales' })
    .withGroup('gws', 'sales@acme.com', sales, { id: 'g-s' });

  const seed = policy.snapshot.providers;
  const scim = await startScimEmulator({ seed: seed.app!, token: SCIM_TOKEN, etags: true, basePath: '/scim/v2', exchanges: exchanges.scim });
  const okta = await startOktaEmulator({ seed: seed.okta!, token: OKTA_TOKEN, exchanges: exchanges.okta });
  const google = await startGoogleEmulator({ seed: seed.gws!, exchanges: exchanges.google });
  const key = google.serviceAccountKey()!;
  const cwd = tempDir();
  const keyPath = join(cwd, 'google-key.json');
  writeFileSync(keyPath, key, { mode: 0o600 });
  policy
    .withConnection('app', { baseUrl: scim.url })
    .withConnection('okta', { orgUrl: okta.url })
    .withConnection('gws', { subject: google.admin, credentials: `\${file:${keyPath}}`, rootUrl: google.url });

  const work = join(cwd, 'work');
  const git = (args: string[], dir = work) => execFileSync('git', args, { cwd: dir, env: gitEnv(cwd), stdio: 'pipe' }).toString();
  writePolicyFiles(join(work, 'policies'), policy);
  git(['init', '-q', '-b', 'main']);
  git(['add', '.']);
  git(['commit', '-q', '-m', 'policy']);
  const remote = join(cwd, 'remote.git');
  git(['clone', '-q', '--bare', work, remote], cwd);
  git(['remote', 'add', 'origin', remote]);
  return {
    cwd,
    work,
    remote,
    scim,
    okta,
    google,
    secrets: [SCIM_TOKEN, OKTA_TOKEN, WEBHOOK_SECRET, ...(JSON.parse(key) as { private_key: string }).private_key.split('\n').filter((l) => l.length > 40)],
    policy,
    commitPolicy(message) {
      writePolicyFiles(join(work, 'policies'), policy);
      git(['add', '.']);
      git(['commit', '-q', '-m', message]);
      git(['push', '-q', 'origin', 'main']);
    },
    close: async () => {
      await Promise.allSettled([scim.close(), okta.close(), google.close()]);
    },
  };
}
