import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import type { LoadPolicyOptions } from '../../src/policy/load.js';
import { BASE_CONFIG, SALES_ROLE, policyFolder, problemsOf } from '../support/policy-folder.js';

/** Loads BASE_CONFIG (a.yaml) plus `text` (b.yaml) and returns the problems, file paths relative to the folder. */
async function problems(text: string, opts: Omit<LoadPolicyOptions, 'providers'> = {}, config = BASE_CONFIG): Promise<string[]> {
  const dir = await policyFolder({ 'a.yaml': config, 'b.yaml': text });
  return (await problemsOf(loadPolicy(dir, opts))).map((p) => p.replaceAll(`${dir}/`, ''));
}

async function warnings(text: string, config = BASE_CONFIG): Promise<string[]> {
  const dir = await policyFolder({ 'a.yaml': config, 'b.yaml': text });
  return (await loadPolicy(dir)).warnings.map(formatProblem).map((p) => p.replaceAll(`${dir}/`, ''));
}

const doc = (kind: string, name: string, spec: string): string => `apiVersion: lockstep.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;

describe('one Config, unique names', () => {
  it('requires a Config', async () => {
    const dir = await policyFolder({ 'b.yaml': SALES_ROLE });
    expect(await problemsOf(loadPolicy(dir))).toEqual(['no Config document: a policy folder needs exactly one']);
  });

  it('refuses a second Config, naming the first', async () => {
    expect(await problems(BASE_CONFIG.replace('name: acme', 'name: other'))).toEqual([
      'b.yaml:3:19: a second Config "other": a policy folder has exactly one (the first is at a.yaml:1:1)',
    ]);
  });

  it('refuses a duplicate name within a kind, naming both positions', async () => {
    const found = await problems(`${SALES_ROLE}---\n${SALES_ROLE}`);
    expect(found).toEqual(['b.yaml:10:19: duplicate RoleProfile name "sales-l1" (first defined at b.yaml:3:19)']);
  });

  it('allows the same name in different kinds', async () => {
    expect(await warnings(`${SALES_ROLE}---\n${doc('RoleAssignment', 'sales-l1', '  roles: [sales-l1]\n  people: [dana@acme.com]\n')}`)).toEqual([]);
  });
});

describe('references', () => {
  it('refuses an assignment of a role no RoleProfile defines, suggesting a near name', async () => {
    const text = `${SALES_ROLE}---\n${doc('RoleAssignment', 'team', '  roles: [sales-l1, Sales-L1, sales-l2, admin]\n  people: [dana@acme.com]\n')}`;
    expect(await problems(text)).toEqual([
      'b.yaml:12:21: unknown role "Sales-L1": no RoleProfile has this name (did you mean "sales-l1"?)',
      'b.yaml:12:31: unknown role "sales-l2": no RoleProfile has this name (did you mean "sales-l1"?)',
      'b.yaml:12:41: unknown role "admin": no RoleProfile has this name',
    ]);
  });

  it('refuses unknown providers in grants, exceptions and approvals', async () => {
    const text = [
      doc('RoleProfile', 'r', '  grants: [ { provider: okta-mian, group: G } ]\n'),
      doc('Exception', 'e', '  person: carol@vendor.com\n  grants: [ { provider: jira, group: G } ]\n  reason: r\n  expires: 2026-12-15\n'),
      doc('Approval', 'a', '  scope: { provider: "*" }\n  expires: 2026-12-15\n  reason: r\n'),
    ].join('---\n');
    expect(await problems(text)).toEqual([
      'b.yaml:5:25: unknown provider "okta-mian" (did you mean "okta-main"?); the Config defines: gws, okta-main',
      'b.yaml:12:25: unknown provider "jira"; the Config defines: gws, okta-main',
      'b.yaml:20:22: unknown provider "*"; the Config defines: gws, okta-main',
    ]);
  });

  it('refuses unknown providers in minMembers, protected and guard overrides; protected allows *', async () => {
    const config = `${BASE_CONFIG}  minMembers: [ { provider: okta-main, group: Admins, count: 2 }, { provider: k8s, group: admins, count: 1 } ]
  protected:
    - { provider: "*", login: breakglass@acme.com }
    - { provider: vpn, login: lockstep@acme.com }
  guard:
    overrides: [ { provider: gw, maxSuspendFraction: 0.2 } ]
`;
    expect(await problems(SALES_ROLE, {}, config)).toEqual([
      'a.yaml:9:79: unknown provider "k8s"; the Config defines: gws, okta-main',
      'a.yaml:12:19: unknown provider "vpn"; the Config defines: gws, okta-main',
      'a.yaml:14:30: unknown provider "gw" (did you mean "gws"?); the Config defines: gws, okta-main',
    ]);
  });

  it('warns about an exception or approval for a group no RoleProfile grants', async () => {
    const text = [
      SALES_ROLE,
      doc(
        'Exception',
        'e',
        '  person: carol@vendor.com\n  grants: [ { provider: okta-main, group: Salesforce Users }, { provider: gws, group: all@acme.com } ]\n  reason: r\n  expires: 2026-12-15\n',
      ),
      doc('Approval', 'a', '  scope: { provider: okta-main, group: Jira Users }\n  expires: 2026-12-15\n  reason: r\n'),
    ].join('---\n');
    expect(await warnings(text)).toEqual([
      'b.yaml:13:87: group "all@acme.com" in gws is not granted by any RoleProfile, so Lockstep does not manage it',
      'b.yaml:21:40: group "Jira Users" in okta-main is not granted by any RoleProfile, so Lockstep does not manage it',
    ]);
  });
});

describe('document rules', () => {
  it('requires select or people in a RoleAssignment', async () => {
    expect(await problems(`${SALES_ROLE}---\n${doc('RoleAssignment', 'team', '  roles: [sales-l1]\n')}`)).toEqual([
      'b.yaml:12:3: a RoleAssignment needs "select" or "people" (or both)',
    ]);
  });

  it('requires scope or changes in an Approval', async () => {
    expect(await problems(doc('Approval', 'a', '  expires: 2026-12-15\n  reason: r\n'))).toEqual(['b.yaml:5:3: an Approval needs "scope" or "changes"']);
  });

  it('refuses plain http endpoints except on a loopback host, where the emulators listen', async () => {
    const config = BASE_CONFIG.replace('orgUrl: https://acme.okta.com', 'orgUrl: http://acme.okta.com')
      .replace('credentials: "${file:google.json}"', 'credentials: "${file:google.json}", rootUrl: "http://127.0.0.1:4020/"')
      .replace(
        'gws:',
        'app: { type: scim, baseUrl: "http://scim.acme.com/v2", token: "${env:T}" }\n    local: { type: scim, baseUrl: "http://localhost:4010/scim/v2", token: "${env:T}" }\n    gws:',
      );
    expect(await problems(SALES_ROLE, { checkSecrets: false }, config)).toEqual([
      'a.yaml:7:38: orgUrl of provider okta-main: plain http:// is accepted only for a loopback host (127.0.0.1, ::1, localhost); use https:// for acme.okta.com',
      'a.yaml:8:33: baseUrl of provider app: plain http:// is accepted only for a loopback host (127.0.0.1, ::1, localhost); use https:// for scim.acme.com',
    ]);
  });

  it('requires an Okta token, or a client id and a private key', async () => {
    const config = BASE_CONFIG.replace('token: "${env:OKTA_API_TOKEN}"', 'clientId: 0oa1').replace(
      'gws:',
      'okta-dev: { type: okta, orgUrl: https://dev.okta.com, clientId: 0oa2, privateKey: "${file:key.pem}" }\n    gws:',
    );
    expect(await problems(SALES_ROLE, {}, config)).toEqual(['a.yaml:7:16: okta provider okta-main needs "token", or "clientId" and "privateKey"']);
  });

  it('warns about a grant listed twice in one profile', async () => {
    const text = doc('RoleProfile', 'r', '  grants:\n    - { provider: gws, group: a@acme.com }\n    - { provider: gws, group: a@acme.com }\n');
    expect(await warnings(text)).toEqual(['b.yaml:7:7: grant gws/a@acme.com is listed twice (also item 0)']);
  });

  it('requires inactiveDays for trigger inactive, and only for it', async () => {
    const text = [
      doc('LifecycleRule', 'dormant', '  trigger: inactive\n  stages: [ { after: 0h, actions: [flag] } ]\n'),
      doc('LifecycleRule', 'leaver', '  trigger: terminated\n  inactiveDays: 30\n  stages: [ { after: 0h, actions: [suspend] } ]\n'),
    ].join('---\n');
    expect(await problems(text)).toEqual([
      'b.yaml:5:12: trigger "inactive" needs "inactiveDays"',
      'b.yaml:13:17: "inactiveDays" applies only to trigger "inactive", not "terminated"',
    ]);
  });

  it('requires stages in time order', async () => {
    const text = doc(
      'LifecycleRule',
      'leaver',
      '  trigger: terminated\n  stages:\n    - { after: 1w, actions: [suspend] }\n    - { after: 7d, actions: [flag] }\n    - { after: 48h, actions: [delete] }\n',
    );
    expect(await problems(text)).toEqual(["b.yaml:9:16: stage after 48h comes before the previous stage's 7d: stages must be in time order"]);
  });

  it('refuses impossible dates in expires and confirmedAt', async () => {
    const text = [
      SALES_ROLE,
      doc('RoleAssignment', 'team', '  roles: [sales-l1]\n  people: [dana@acme.com]\n  expires: 2027-13-01\n'),
      doc('Confirmation', 'done', '  changes: [0123456789abcdef]\n  confirmedBy: owner@acme.com\n  confirmedAt: 2026-11-31T10:00:00Z\n'),
    ].join('---\n');
    expect(await problems(text)).toEqual([
      'b.yaml:14:12: "expires" must be a date (2026-12-15) or a date-time with offset (2026-12-15T17:00:00Z)',
      'b.yaml:22:16: "confirmedAt" must be a date (2026-12-15) or a date-time with offset (2026-12-15T17:00:00Z)',
    ]);
  });
});

describe('secret references and the roster file', () => {
  it('refuses malformed references and unknown schemes anywhere in a connection', async () => {
    const config = BASE_CONFIG.replace('gws:', 'k8s: { type: kubernetes, context: "${vault:prod}", kubeconfig: "/etc/${env:HOME" }\n    gws:');
    expect(await problems(SALES_ROLE, {}, config)).toEqual([
      'a.yaml:8:39: unknown secret reference scheme "vault" (use ${env:NAME} or ${file:PATH}) in "context" of provider k8s',
      'a.yaml:8:68: malformed secret reference in "kubeconfig" of provider k8s: the whole value must be ${env:NAME} or ${file:PATH}',
    ]);
  });

  it('accepts unresolvable references unless checkSecrets is on', async () => {
    const dir = await policyFolder({ 'a.yaml': BASE_CONFIG });
    await expect(loadPolicy(dir, { env: {} })).resolves.toBeDefined();
    expect((await problemsOf(loadPolicy(dir, { checkSecrets: true, env: {} }))).map((p) => p.replaceAll(`${dir}/`, ''))).toEqual([
      'a.yaml:7:68: environment variable OKTA_API_TOKEN is not set (referenced as ${env:OKTA_API_TOKEN})',
      'a.yaml:8:87: secret file google.json cannot be read (referenced as ${file:google.json})',
    ]);
  });

  it('resolves references against the environment and the policy folder, never printing a value', async () => {
    const dir = await policyFolder({ 'a.yaml': BASE_CONFIG });
    await writeFile(join(dir, 'google.json'), '{"private_key":"k3y-m4terial"}');
    const policy = await loadPolicy(dir, { checkSecrets: true, env: { OKTA_API_TOKEN: 't0ken-value' } });
    expect(JSON.stringify(policy.warnings)).not.toContain('t0ken-value');
    expect(policy.config.doc.spec.providers['okta-main']).toMatchObject({ token: '${env:OKTA_API_TOKEN}' });
  });

  it('requires the roster file to exist unless told the roster comes from elsewhere', async () => {
    const config = BASE_CONFIG.replace('people.csv', 'hr/people.csv');
    expect(await problems(SALES_ROLE, {}, config)).toEqual(['a.yaml:5:19: roster file hr/people.csv does not exist (relative to the policy folder)']);
    const dir = await policyFolder({ 'a.yaml': config });
    await expect(loadPolicy(dir, { requirePeopleFile: false })).resolves.toBeDefined();
  });
});

describe('where state lives and the signing key', () => {
  const withSpec = (extra: string) => BASE_CONFIG.replace('  providers:', `${extra}\n  providers:`);

  it('refuses a password in state.url, a URL that is not PostgreSQL, a missing url and a journal file beside a database, each at its place', async () => {
    const dir = await policyFolder({
      'a.yaml': withSpec('  state: { backend: postgres, url: "postgres://lockstep:s3cr3t-pw@db.internal/lockstep" }\n  journal: { file: audit.jsonl }'),
    });
    const found = (await problemsOf(loadPolicy(dir, { env: {} }))).map((p) => p.replaceAll(`${dir}/`, ''));
    expect(found).toEqual([
      'a.yaml:6:36: state.url carries a password in the policy repository; give it by reference instead (state.password: "${file:…}", PGPASSWORD, or a ${env:NAME} reference to the whole URL)',
      'a.yaml:7:20: journal.file names a journal file, but state.backend postgres keeps the journal in the database; remove journal.file',
    ]);
    expect(found.join('\n')).not.toContain('s3cr3t-pw');
    const other = await policyFolder({ 'a.yaml': withSpec('  state: { backend: postgres, url: "mysql://db/x" }') });
    expect((await problemsOf(loadPolicy(other, { env: {} }))).map((p) => p.replaceAll(`${other}/`, ''))).toEqual([
      'a.yaml:6:36: state.url: mysql: is not PostgreSQL; expected postgres://',
    ]);
    const none = await policyFolder({ 'a.yaml': withSpec('  state: { backend: postgres }') });
    expect((await problemsOf(loadPolicy(none, { env: {} }))).map((p) => p.replaceAll(`${none}/`, ''))).toEqual(['a.yaml:6:10: state.backend postgres needs state.url']);
  });

  it('checks references of state and the signing key only with checkSecrets, and that keys are Ed25519', async () => {
    const config = withSpec(
      '  state: { backend: postgres, url: "${env:LOCKSTEP_DB_URL}", password: "${file:pg.pw}" }\n  signing: { key: "${file:signing.pem}", publicKey: keys/signing.pub }',
    );
    const dir = await policyFolder({ 'a.yaml': config, 'keys/signing.pub': 'not a key\n', 'signing.pem': 'not a key either\n' });
    expect((await problemsOf(loadPolicy(dir, { env: {} }))).map((p) => p.replaceAll(`${dir}/`, ''))).toEqual([
      'a.yaml:7:53: signing.publicKey keys/signing.pub: not a PEM public key (expected an Ed25519 public key in SPKI PEM, as `openssl pkey -pubout` writes)',
    ]);
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'keys/signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await expect(loadPolicy(dir, { env: {} })).resolves.toBeDefined();
    expect((await problemsOf(loadPolicy(dir, { checkSecrets: true, env: {} }))).map((p) => p.replaceAll(`${dir}/`, ''))).toEqual([
      'a.yaml:6:36: environment variable LOCKSTEP_DB_URL is not set (referenced as ${env:LOCKSTEP_DB_URL})',
      'a.yaml:6:72: secret file pg.pw cannot be read (referenced as ${file:pg.pw})',
      'a.yaml:7:19: signing.key: not a PEM private key (expected an Ed25519 key in PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes)',
      'a.yaml:9:68: environment variable OKTA_API_TOKEN is not set (referenced as ${env:OKTA_API_TOKEN})',
      'a.yaml:10:87: secret file google.json cannot be read (referenced as ${file:google.json})',
    ]);
    await writeFile(join(dir, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await writeFile(join(dir, 'pg.pw'), 'pw\n');
    await writeFile(join(dir, 'google.json'), '{}');
    await expect(loadPolicy(dir, { checkSecrets: true, env: { LOCKSTEP_DB_URL: 'postgres://lockstep@db/lockstep', OKTA_API_TOKEN: 't' } })).resolves.toBeDefined();
  });
});
