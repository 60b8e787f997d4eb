import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGoogleEmulator, type GoogleEmulator } from '../../providers/google/emulator/index.js';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import { signEvent } from '../../src/controller/webhook.js';
import type { ObservedProvider } from '../../src/types/index.js';
import { ROOT, tempDir } from '../cli/run-cli.js';

export const SCIM_TOKEN = 'scim-ctl-token-91c4e7a2d8';
export const OKTA_TOKEN = 'okta-ctl-token-0d7f3b6e1a';
export const WEBHOOK_SECRET = 'hr-hook-secret-6a2f9e4c7b1d';

const acct = (id: string, login: string): ObservedProvider['accounts'][number] => ({ id, login, emails: [login], status: 'active', externalId: null });

/**
 * A policy repository (a bare Git remote plus a working clone to commit approvals from)
 * for twelve Sales people and one engineer, with a SCIM app, Okta and Google Workspace in
 * emulators. Sales get the Sales group everywhere; the SCIM app's Sales group comes from a
 * role of its own, so one commit can empty it (and trip the guard).
 */
export interface ControllerWorld {
  cwd: string;
  work: string;
  remote: string;
  scim: ScimEmulator;
  okta: OktaEmulator;
  google: GoogleEmulator;
  secrets: string[];
  commit(file: string, content: string, message: string): void;
  close(): Promise<void>;
}

export async function controllerWorld(): Promise<ControllerWorld> {
  const sales = Array.from({ length: 12 }, (_, i) => `p${i}@acme.com`);
  const everyone = [...sales, 'eng@acme.com'];
  const seed = (prefix: string, groups: Array<[string, string, string[]]>): ObservedProvider => ({
    type: 'scim',
    accounts: everyone.map((l, i) => acct(`${prefix}${i}`, l)),
    groups: groups.map(([id, name, members]) => ({ id, name, members: members.map((l) => `${prefix}${everyone.indexOf(l)}`) })),
  });
  const scim = await startScimEmulator({ seed: seed('u', [['g-sales', 'Sales', sales], ['g-all', 'All Staff', everyone]]), token: SCIM_TOKEN, etags: true, basePath: '/scim/v2' });
  const okta = await startOktaEmulator({ seed: { ...seed('00u', [['00gsales', 'Sales', sales]]), type: 'okta' }, token: OKTA_TOKEN });
  const google = await startGoogleEmulator({ seed: { ...seed('10', [['g-s', 'sales@acme.com', sales]]), type: 'google' } });
  const key = google.serviceAccountKey()!;
  const cwd = tempDir();
  const keyPath = join(cwd, 'google-key.json');
  writeFileSync(keyPath, key, { mode: 0o600 });
  const rows = ['employee_id,email,name,manager_email,department,title,employment_type,status,end_date'];
  sales.forEach((e, i) => rows.push(`E${i},${e},Person ${i},boss@acme.com,Sales,AE,employee,active,`));
  rows.push('E99,eng@acme.com,Eng,,Engineering,Engineer,employee,active,');
  const work = join(cwd, 'work');
  const files: Record<string, string> = {
    'policies/people.csv': `${rows.join('\n')}\n`,
    'policies/config.yaml': `apiVersion: lockstep.dev/v1
kind: Config
metadata: { name: acme }
spec:
  people: { file: people.csv }
  domains: [acme.com]
  providers:
    app: { type: scim, baseUrl: "${scim.url}", token: "\${env:APP_TOKEN}", owner: app-owner@acme.com, deactivationEndsSessions: true }
    okta: { type: okta, orgUrl: "${okta.url}", token: "\${env:OKTA_TOKEN}", owner: it-ops@acme.com }
    gws: { type: google, customer: my_customer, subject: "${google.admin}", credentials: "\${file:${keyPath}}", rootUrl: "${google.url}" }
  guard: { maxSuspendFraction: 1.0 }
`,
    'policies/policy.yaml': ROLES('Sales'),
  };
  const git = (args: string[], dir = work) => execFileSync('git', args, { cwd: dir, env: gitEnv(cwd), stdio: 'pipe' }).toString();
  for (const [path, content] of Object.entries(files)) {
    const full = join(work, path);
    execFileSync('mkdir', ['-p', join(full, '..')]);
    writeFileSync(full, content);
  }
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
    commit(file, content, message) {
      writeFileSync(join(work, file), content);
      git(['add', '.']);
      git(['commit', '-q', '-m', message]);
      git(['push', '-q', 'origin', 'main']);
    },
    close: async () => {
      await Promise.allSettled([scim.close(), okta.close(), google.close()]);
    },
  };
}

/** The roles: Sales everywhere for Sales people; the SCIM app's Sales group for `appDepartment`; the leaver rule. */
export const ROLES = (appDepartment: string) => `apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: sales }
spec:
  grants: [ { provider: okta, group: Sales }, { provider: gws, group: sales@acme.com } ]
---
apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: sales-app }
spec:
  grants: [ { provider: app, group: Sales } ]
---
apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: sales }
spec:
  roles: [sales]
  select: { department: Sales, status: [active] }
---
apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: sales-app }
spec:
  roles: [sales-app]
  select: { department: ${appDepartment}, status: [active] }
---
apiVersion: lockstep.dev/v1
kind: LifecycleRule
metadata: { name: leaver }
spec:
  trigger: terminated
  stages:
    - after: 0h
      actions: [suspend, revoke_sessions, revoke_tokens, reset_factors, remove_all_groups]
`;

export function gitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    GIT_AUTHOR_NAME: 'Policy Author',
    GIT_AUTHOR_EMAIL: 'author@acme.com',
    GIT_COMMITTER_NAME: 'Policy Author',
    GIT_COMMITTER_EMAIL: 'author@acme.com',
  };
}

/** The controller as a child process; resolves once it prints the address it listens on. */
export interface RunningController {
  child: ChildProcess;
  url: string;
  output(): { stdout: string; stderr: string };
  exited: Promise<number>;
}

export function startController(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<RunningController> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'lockstep.js'), 'controller', ...args], {
    cwd: opts.cwd,
    env: { ...gitEnv(opts.cwd), NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? 128 : 1))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller did not start:\n${stderr}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => ({ stdout, stderr }), exited });
      }
    });
    void exited.then((code) => reject(new Error(`controller exited ${code} before listening:\n${stderr}`)));
  });
}

/** POSTs an HR event signed with `secret` (default: the world's), at `timestampMs`. */
export async function postEvent(url: string, event: unknown, opts: { secret?: string; timestampMs?: number; rawBody?: string } = {}): Promise<{ status: number; body: unknown }> {
  const body = opts.rawBody ?? JSON.stringify(event);
  const ts = String(Math.floor((opts.timestampMs ?? Date.now()) / 1000));
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lockstep-timestamp': ts, 'x-lockstep-signature': signEvent(opts.secret ?? WEBHOOK_SECRET, ts, body) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** Polls until `check` returns true or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One sample's value from a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}
