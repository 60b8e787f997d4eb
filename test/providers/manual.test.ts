import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ProviderError, UserError } from '../../src/errors.js';
import type { Provider } from '../../src/provider/provider.js';
import { manualModule, parseInventory } from '../../providers/manual/index.js';
import { createProvider } from '../../providers/registry.js';
import { taskDeskOver } from '../../src/run/tasks.js';
import { fileStore } from '../../src/state/file-store.js';
import type { Confirmations } from '../../src/tasks/book.js';
import type { ManualConnection } from '../../src/types/index.js';
import { aChange, account, group } from './changes.js';
import { providerContext } from './scim-fixture.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lockstep-manual-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const policyDir = () => join(root, 'policies');
const stateDir = () => join(root, 'state');
const tasksDir = () => join(stateDir(), 'tasks', 'vpn');

function vpn(extra: Partial<ManualConnection> = {}): Provider {
  return manualModule.create({ type: 'manual', owner: 'netops@acme.com', ...extra }, providerContext('vpn', {}, { policyDir: policyDir(), stateDir: stateDir() }));
}

/** Where an apply hands the manual provider's tasks: the run's task desk over the state store, for this connection. */
function vpnDesk(extra: Partial<ManualConnection> = {}, confirmations: Confirmations = new Map()) {
  const connections = { vpn: { type: 'manual', owner: 'netops@acme.com', ...extra } };
  return taskDeskOver(fileStore(stateDir()), { policyDir: policyDir(), connections, confirmations })('vpn');
}

const suspendTask = aChange(
  'vpn',
  'task',
  { account: account('dana', 'dana@acme.com') },
  {
    person: 'dana@acme.com',
    task: { action: 'suspend', owner: 'netops@acme.com', instructions: 'Disable the VPN profile of dana@acme.com' },
  },
);
const removeTask = aChange(
  'vpn',
  'task',
  { account: account('erin', 'erin@acme.com'), group: group('admins', 'VPN Admins') },
  {
    task: { action: 'remove_member', owner: 'netops@acme.com', instructions: 'Remove erin from VPN Admins' },
  },
);

describe('manual provider', () => {
  it('observes nothing without an inventory', async () => {
    expect(await vpn().observe()).toMatchObject({ type: 'manual', accounts: [], groups: [] });
  });

  it('observes the inventory (YAML) with ids defaulting to logins', async () => {
    await rm(policyDir(), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(policyDir(), { recursive: true }));
    await writeFile(
      join(policyDir(), 'vpn.yaml'),
      'accounts:\n  - login: dana@acme.com\n    lastLoginAt: 2026-10-01T09:00:00Z\n  - { id: "42", login: erin@acme.com, status: suspended }\ngroups:\n  - name: VPN Admins\n    members: [erin@acme.com, DANA@acme.com]\n',
    );
    const observed = await vpn({ inventory: 'vpn.yaml' }).observe();
    expect(observed.accounts).toEqual([
      { id: 'dana@acme.com', login: 'dana@acme.com', status: 'active', lastLoginAt: '2026-10-01T09:00:00Z' },
      { id: '42', login: 'erin@acme.com', status: 'suspended' },
    ]);
    expect(observed.groups).toEqual([{ id: 'VPN Admins', name: 'VPN Admins', members: ['42', 'dana@acme.com'] }]);
  });

  it('reads a JSON inventory too', () => {
    const observed = parseInventory('{"accounts":[{"login":"a@acme.com"}],"groups":[{"name":"G","members":["a@acme.com"]}]}', 'inv.json');
    expect(observed.groups[0]?.members).toEqual(['a@acme.com']);
  });

  it('reports every inventory problem with file:line:col', () => {
    const text =
      'accounts:\n  - login: a@acme.com\n    status: gone\n  - { nickname: x }\n  - login: a@acme.com\ngroups:\n  - name: G\n    members: [b@acme.com]\nextra: 1\n';
    let error: unknown;
    try {
      parseInventory(text, 'vpn.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const lines = (error as UserError).message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vpn\.yaml:3:13: status must be/),
        expect.stringMatching(/^vpn\.yaml:4:\d+: unknown key "nickname"/),
        expect.stringMatching(/^vpn\.yaml:5:\d+: account a@acme.com is listed twice/),
        expect.stringMatching(/^vpn\.yaml:8:\d+: member b@acme.com is not among the accounts/),
        expect.stringMatching(/^vpn\.yaml:9:\d+: unknown key "extra"/),
      ]),
    );
    expect(() => parseInventory('accounts: [\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: /);
  });

  it('fails observe with a UserError when the inventory file is missing', async () => {
    await expect(vpn({ inventory: 'missing.yaml' }).observe()).rejects.toThrow(UserError);
  });

  it("refuses every change itself: its tasks go to the task desk like every provider's", async () => {
    await expect(vpn().apply(suspendTask)).rejects.toThrow(ProviderError);
    await expect(vpn().apply(suspendTask)).rejects.toThrow(/manual task: the task desk hands it out/);
    await expect(vpn().apply(aChange('vpn', 'suspend', { account: account('dana', 'dana@acme.com') }))).rejects.toThrow(/manual cannot suspend/);
    expect(await readdir(stateDir()).catch(() => [])).toEqual([]);
  });
});

describe('manual provider tasks, through the task desk', () => {
  it('writes an open task and a TASKS.md checklist, pending', async () => {
    const outcome = await vpnDesk().apply(suspendTask);
    expect(outcome).toEqual({ result: 'pending', detail: `task for netops@acme.com is open until confirmed: ${join(tasksDir(), `${suspendTask.id}.json`)}` });
    const record = JSON.parse(await readFile(join(tasksDir(), `${suspendTask.id}.json`), 'utf8'));
    expect(record).toMatchObject({
      id: suspendTask.id,
      status: 'open',
      action: 'suspend',
      owner: 'netops@acme.com',
      person: 'dana@acme.com',
      account: { login: 'dana@acme.com' },
    });
    const md = await readFile(join(tasksDir(), 'TASKS.md'), 'utf8');
    expect(md).toContain('- [ ] **suspend** `dana@acme.com` (person: dana@acme.com)');
    expect(md).toContain('Disable the VPN profile of dana@acme.com');
    expect(md).toContain(`Change id to confirm: \`${suspendTask.id}\``);
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(md)?.[1] ?? '';
    expect(parse(yamlBlock)).toMatchObject({ apiVersion: 'lockstep.dev/v1', kind: 'Confirmation', spec: { changes: [suspendTask.id], confirmedBy: 'netops@acme.com' } });
  });

  it('re-applying an open task changes nothing', async () => {
    const p = vpnDesk();
    await p.apply(suspendTask);
    const before = await readFile(join(tasksDir(), `${suspendTask.id}.json`), 'utf8');
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([p.apply(suspendTask), p.apply(removeTask), p.apply(suspendTask)]);
    expect(await readFile(join(tasksDir(), `${suspendTask.id}.json`), 'utf8')).toBe(before);
    expect((await readdir(tasksDir())).sort()).toEqual([`${removeTask.id}.json`, `${suspendTask.id}.json`, 'TASKS.md'].sort());
    const md = await readFile(join(tasksDir(), 'TASKS.md'), 'utf8');
    expect(md.match(/- \[ \]/g)).toHaveLength(2);
  });

  it('a confirmed task is ok, and leaves the checklist', async () => {
    await vpnDesk().apply(suspendTask);
    await vpnDesk().apply(removeTask);
    const confirmations = new Map([[suspendTask.id, { by: 'netops@acme.com', at: '2026-11-20', source: 'confirmations.yaml:3' }]]);
    const outcome = await vpnDesk({}, confirmations).apply(suspendTask);
    expect(outcome).toEqual({ result: 'ok', detail: 'confirmed by netops@acme.com at 2026-11-20 (confirmations.yaml:3)' });
    expect(await readdir(tasksDir())).not.toContain(`${suspendTask.id}.json`);
    const md = await readFile(join(tasksDir(), 'TASKS.md'), 'utf8');
    expect(md).not.toContain(suspendTask.id);
    expect(md).toContain(removeTask.id);
  });

  it('writes tasks to the configured folder, relative to the policy folder', async () => {
    await vpnDesk({ tasks: 'owner-tasks' }).apply(suspendTask);
    expect(await readdir(join(policyDir(), 'owner-tasks'))).toContain('TASKS.md');
  });
});

describe('provider registry', () => {
  const ctx = providerContext('x', {});
  it('creates registered types', () => {
    expect(createProvider('vpn', { type: 'manual', owner: 'a@b.c' }, ctx)).toMatchObject({ name: 'vpn', type: 'manual' });
  });
  it('refuses an unknown type, naming those available', () => {
    expect(() => createProvider('y', { type: 'ldap' }, ctx)).toThrow(/unknown provider type "ldap"/);
  });
});
