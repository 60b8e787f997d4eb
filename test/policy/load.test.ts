import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/run/load-policy.js';
import { loadPolicy as loadPolicyWith } from '../../src/policy/load.js';
import type { ProviderCatalogue } from '../../src/policy/catalogue.js';
import { providerCatalogue } from '../../providers/registry.js';
import { BASE_CONFIG, SALES_ROLE, policyFolder, problemsOf } from '../support/policy-folder.js';

const SPEC_EXAMPLE = 'test/fixtures/policy/spec-example';
const SPEC_FILE = `${SPEC_EXAMPLE}/policy.yaml`;

describe('loadPolicy on the SPEC §3 example', () => {
  it('loads every document with no errors', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    expect(policy.dir).toBe(resolve(SPEC_EXAMPLE));
    expect(policy.config.doc.metadata.name).toBe('acme');
    expect([...policy.roles.keys()]).toEqual(['sales-l1']);
    expect(policy.assignments.map((a) => a.doc.metadata.name)).toEqual(['sales-team']);
    expect(policy.lifecycleRules.map((r) => r.doc.metadata.name)).toEqual(['leaver', 'dormant']);
    expect(policy.exceptions.map((e) => e.doc.metadata.name)).toEqual(['carol-jira-extension']);
    expect(policy.approvals.map((a) => a.doc.metadata.name)).toEqual(['q4-rif-sales']);
    expect(policy.confirmations).toEqual([]);
  });

  it('keeps dates as strings (YAML 1.2 core schema)', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    expect(policy.assignments[0]!.doc.spec.expires).toBe('2027-01-31');
    expect(policy.exceptions[0]!.doc.spec.expires).toBe('2026-12-15');
  });

  it('locates documents and nodes, relative to the working directory', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    expect(policy.config.at).toEqual({ file: SPEC_FILE, line: 1, col: 1 });
    const role = policy.roles.get('sales-l1')!;
    expect(role.at).toEqual({ file: SPEC_FILE, line: 23, col: 1 });
    expect(role.locate(['spec', 'grants', 1, 'group'])).toEqual({ file: SPEC_FILE, line: 32, col: 31 });
    expect(policy.lifecycleRules[0]!.locate(['spec', 'stages', 2, 'after'])).toEqual({ file: SPEC_FILE, line: 54, col: 14 });
  });

  it('falls back to the nearest existing ancestor for a path that is not there', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    const role = policy.roles.get('sales-l1')!;
    expect(role.locate(['spec', 'grants', 7, 'group'])).toEqual({ file: SPEC_FILE, line: 31, col: 5 });
    expect(role.locate(['spec', 'nothing'])).toEqual({ file: SPEC_FILE, line: 27, col: 3 });
  });

  it('reports the exception on a group no role grants as a warning only', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    expect(policy.warnings).toEqual([
      {
        message: 'group "Jira Users" in okta-main is not granted by any RoleProfile, so Lockstep does not manage it',
        at: { file: SPEC_FILE, line: 71, col: 43 },
      },
    ]);
  });

  it('digests the files and names the Git commit', async () => {
    const policy = await loadPolicy(SPEC_EXAMPLE);
    expect(policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await loadPolicy(SPEC_EXAMPLE)).digest).toBe(policy.digest);
    expect(policy.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('loadPolicy: files', () => {
  it('reads *.yaml and *.yml recursively, skipping dot-folders, node_modules and empty documents', async () => {
    const dir = await policyFolder({
      'config.yml': `${BASE_CONFIG}---\n`,
      'roles/sales.yaml': `---\n${SALES_ROLE}---\n# nothing here\n---\n`,
      '.git-crypt/broken.yaml': 'kind: [',
      'node_modules/x/broken.yaml': 'kind: [',
      'notes.txt': 'kind: [',
    });
    const policy = await loadPolicy(dir);
    expect([...policy.roles.keys()]).toEqual(['sales-l1']);
    expect(policy.roles.get('sales-l1')!.at).toEqual({ file: join(dir, 'roles/sales.yaml'), line: 2, col: 1 });
  });

  it('names files outside the working directory by absolute path, and has no commit outside Git', async () => {
    const dir = await policyFolder({ 'policy.yaml': `${BASE_CONFIG}---\n${SALES_ROLE}` });
    const policy = await loadPolicy(dir);
    expect(policy.config.at.file).toBe(join(dir, 'policy.yaml'));
    expect(policy.commit).toBeNull();
  });

  it('does not read a YAML roster named by the Config as policy', async () => {
    const dir = await policyFolder({
      'policy.yaml': BASE_CONFIG.replace('people.csv', 'people.yaml'),
      'people.yaml': '- { employee_id: E1, email: alice@acme.com, status: active }\n',
    });
    const policy = await loadPolicy(dir);
    expect(policy.config.doc.spec.people.file).toBe('people.yaml');
  });

  it('changes the digest when a file changes', async () => {
    const a = await loadPolicy(await policyFolder({ 'policy.yaml': BASE_CONFIG }));
    const b = await loadPolicy(await policyFolder({ 'policy.yaml': `${BASE_CONFIG}# edited\n` }));
    expect(a.digest).not.toBe(b.digest);
  });

  it('refuses a folder that does not exist', async () => {
    expect(await problemsOf(loadPolicy('test/fixtures/policy/no-such-folder'))).toEqual([
      'policy folder test/fixtures/policy/no-such-folder does not exist or is not a folder',
    ]);
  });

  it('refuses a folder with no policy files', async () => {
    const dir = await policyFolder({});
    expect(await problemsOf(loadPolicy(dir))).toEqual([`no policy files (*.yaml, *.yml) in ${dir}`, 'no Config document: a policy folder needs exactly one']);
  });
});

describe('loadPolicy: syntax and schema problems', () => {
  async function problems(text: string): Promise<string[]> {
    const dir = await policyFolder({ 'a.yaml': BASE_CONFIG, 'b.yaml': text });
    return (await problemsOf(loadPolicy(dir))).map((p) => p.replace(`${dir}/`, ''));
  }

  it('reports YAML syntax errors with their position', async () => {
    expect(await problems('apiVersion: lockstep.dev/v1\nkind: RoleProfile\nmetadata: { name: x\n')).toEqual([
      'b.yaml:4:1: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
  });

  it('reports duplicate keys', async () => {
    expect(await problems(SALES_ROLE.replace('kind: RoleProfile', 'kind: RoleProfile\nkind: RoleProfile'))).toEqual(['b.yaml:3:1: YAML syntax: Map keys must be unique']);
  });

  it('refuses a document that is not a map', async () => {
    expect(await problems('- just\n- a list\n')).toEqual(['b.yaml:1:1: a policy document must be a map with apiVersion, kind, metadata and spec']);
  });

  it('refuses an unknown kind and a wrong or missing apiVersion', async () => {
    expect(await problems('apiVersion: lockstep.dev/v2\nkind: RoleProfil\nmetadata: { name: x }\nspec: {}\n')).toEqual([
      'b.yaml:1:13: unsupported apiVersion "lockstep.dev/v2" (expected lockstep.dev/v1)',
      'b.yaml:2:7: unknown kind "RoleProfil" (expected one of: Config, RoleProfile, RoleAssignment, LifecycleRule, Exception, Approval, Confirmation, AccessReview)',
    ]);
    expect(await problems(SALES_ROLE.replace('apiVersion: lockstep.dev/v1\n', ''))).toEqual(['b.yaml:1:1: missing required key "apiVersion"']);
    expect(await problems('apiVersion: lockstep.dev/v1\nmetadata: { name: x }\n')).toEqual(['b.yaml:1:1: missing required key "kind"']);
  });

  it('refuses unknown keys, pointing at the key', async () => {
    expect(await problems(SALES_ROLE.replace('spec:\n', 'spec:\n  descripton: typo\n'))).toEqual(['b.yaml:5:3: unknown key "descripton"']);
    expect(await problems(SALES_ROLE.replace('group: Salesforce Users', 'group: Salesforce Users, role: admin'))).toEqual(['b.yaml:6:55: unknown key "role"']);
  });

  it('names the allowed values of an enum', async () => {
    expect(await problems(SALES_ROLE.replace('spec:\n', 'spec:\n  tier: gold\n'))).toEqual(['b.yaml:5:9: "tier" must be one of: standard, privileged']);
  });

  it('names a missing required key at its parent', async () => {
    expect(await problems(SALES_ROLE.replace('group: Salesforce Users', 'grup: Salesforce Users'))).toEqual([
      'b.yaml:6:7: missing required key "group"',
      'b.yaml:6:30: unknown key "grup"',
    ]);
  });

  it('explains types, patterns and lengths', async () => {
    const text = `apiVersion: lockstep.dev/v1
kind: RoleAssignment
metadata: { name: "-bad" }
spec:
  roles: []
  people: [dana]
  select: { department: 7 }
`;
    expect(await problems(text)).toEqual([
      `b.yaml:3:19: "name" must start with a letter or digit and hold only letters, digits, '.', '_' and '-'`,
      'b.yaml:5:10: "roles" must have at least 1 item',
      'b.yaml:6:12: item 0 must be an email address',
      'b.yaml:7:25: "department" must be a string or a non-empty list of strings',
    ]);
  });

  it('refuses an impossible date', async () => {
    const text = `apiVersion: lockstep.dev/v1
kind: Exception
metadata: { name: late }
spec:
  person: carol@vendor.com
  grants: [ { provider: okta-main, group: Jira Users } ]
  reason: pending
  expires: 2026-02-30
`;
    expect(await problems(text)).toEqual(['b.yaml:8:12: "expires" must be a date (2026-12-15) or a date-time with offset (2026-12-15T17:00:00Z)']);
  });

  it('refuses a malformed duration', async () => {
    const text = `apiVersion: lockstep.dev/v1
kind: LifecycleRule
metadata: { name: leaver }
spec:
  trigger: terminated
  stages: [ { after: 7 days, actions: [suspend] } ]
`;
    expect(await problems(text)).toEqual(['b.yaml:6:22: "after" must be a duration such as 0h, 15m, 7d or 2w']);
  });

  it('checks each provider connection against its type schema, never printing the value', async () => {
    const dir = await policyFolder({
      'policy.yaml': BASE_CONFIG.replace('"${env:OKTA_API_TOKEN}"', 'sup3r-s3cret-t0ken').replace('customer: my_customer, ', ''),
    });
    const found = await problemsOf(loadPolicy(dir));
    expect(found).toEqual([
      `${dir}/policy.yaml:7:68: "token" must be a secret reference, \${env:NAME} or \${file:PATH} (literal secrets are refused)`,
      `${dir}/policy.yaml:8:10: missing required key "customer"`,
    ]);
    expect(found.join('\n')).not.toContain('sup3r-s3cret-t0ken');
  });

  it('refuses an unknown provider type', async () => {
    const dir = await policyFolder({ 'policy.yaml': BASE_CONFIG.replace('type: google', 'type: gsuite') });
    expect(await problemsOf(loadPolicy(dir))).toEqual([`${dir}/policy.yaml:8:18: "type" must be one of: okta, google, entra, kubernetes, scim, manual`]);
  });
});

describe('loadPolicy: what the provider catalogue says', () => {
  const catalogue = (over: Partial<ProviderCatalogue> = {}): ProviderCatalogue => ({
    isProviderType: (type) => type === 'okta' || type === 'google',
    configSchema: (type) => providerCatalogue.configSchema(type),
    checkConnection: () => [],
    ...over,
  });

  it('checks each connection against the schema the catalogue gives for its type', async () => {
    const dir = await policyFolder({ 'policy.yaml': BASE_CONFIG.replace('customer: my_customer, ', '') });
    expect(await problemsOf(loadPolicyWith(dir, { providers: catalogue() }))).toEqual([`${dir}/policy.yaml:8:10: missing required key "customer"`]);
    const noGoogle = catalogue({ configSchema: (type) => (type === 'google' ? undefined : providerCatalogue.configSchema(type)) });
    await expect(loadPolicyWith(dir, { providers: noGoogle })).resolves.toBeDefined();
  });

  it("reports the provider's own connection problems at their place below the connection", async () => {
    const dir = await policyFolder({ 'policy.yaml': BASE_CONFIG });
    const providers = catalogue({
      checkConnection: (name, connection) =>
        connection.type === 'okta'
          ? [
              { message: `${name}: orgUrl refused`, path: ['orgUrl'] },
              { message: `${name}: whole`, path: [] },
            ]
          : [],
    });
    expect(await problemsOf(loadPolicyWith(dir, { providers }))).toEqual([
      `${dir}/policy.yaml:7:16: okta-main: whole`,
      `${dir}/policy.yaml:7:38: okta-main: orgUrl refused`,
    ]);
  });
});

describe('loadPolicy: every problem at once', () => {
  it('reports all problems across all files, in file order', async () => {
    const dir = 'test/fixtures/policy/many-errors';
    expect(await problemsOf(loadPolicy(dir))).toEqual([
      `${dir}/config.yaml:9:29: unknown provider "okta"; the Config defines: gws, okta-main`,
      `${dir}/roles.yaml:6:3: unknown key "extra"`,
      `${dir}/roles.yaml:14:19: unknown provider "gsuite"; the Config defines: gws, okta-main`,
      `${dir}/roles.yaml:17:7: unknown kind "Role" (expected one of: Config, RoleProfile, RoleAssignment, LifecycleRule, Exception, Approval, Confirmation, AccessReview)`,
      `${dir}/teams.yaml:6:11: unknown role "sales-L1": no RoleProfile has this name (did you mean "sales-l1"?)`,
      `${dir}/teams.yaml:6:21: unknown role "nobody": no RoleProfile has this name`,
      `${dir}/teams.yaml:10:19: YAML syntax: Block collections are not allowed within flow collections`,
    ]);
  });
});
