import { describe, expect, it } from 'vitest';
import { hasSchema, schemaIssues, schemaIssuesAgainst, validateWith } from '../../src/policy/schemas.js';
import { providerCatalogue } from '../../providers/registry.js';

describe('the schema set', () => {
  it('loads every policy, data and provider schema', () => {
    for (const name of [
      'common',
      'config',
      'role-profile',
      'role-assignment',
      'lifecycle-rule',
      'exception',
      'approval',
      'confirmation',
      'person',
      'snapshot',
      'plan',
      'journal-record',
    ]) {
      expect(hasSchema(name), name).toBe(true);
    }
    expect(hasSchema('ldap')).toBe(false);
  });

  it("has every provider type's connection schema from its module, and none for an unknown type", () => {
    for (const type of ['okta', 'google', 'entra', 'kubernetes', 'scim', 'manual']) {
      const schema = providerCatalogue.configSchema(type);
      expect(schema, type).toMatchObject({ properties: { type: { const: type } } });
      expect(schemaIssuesAgainst(schema!, { type, nonsense: 1 }), type).toContainEqual({ path: ['nonsense'], message: 'unknown key "nonsense"', atKey: true });
    }
    expect(providerCatalogue.configSchema('ldap')).toBeUndefined();
  });

  it('resolves refs into common.schema.json', () => {
    expect(validateWith('role-profile', { apiVersion: 'lockstep.dev/v1', kind: 'RoleProfile', metadata: { name: 'r' }, spec: { grants: [] } })).toEqual([]);
    expect(validateWith('role-profile', { apiVersion: 'lockstep.dev/v2', kind: 'RoleProfile', metadata: { name: 'r' }, spec: { grants: [] } })).toHaveLength(1);
  });

  it('validates snapshots', () => {
    const snapshot = { formatVersion: '1.0', observedAt: '2026-11-22T00:00:00Z', providers: { okta: { type: 'okta', accounts: [], groups: [] } } };
    expect(validateWith('snapshot', snapshot)).toEqual([]);
    expect(schemaIssues('snapshot', { ...snapshot, observedAt: 'yesterday' })).toEqual([
      { path: ['observedAt'], message: '"observedAt" must be a date-time with offset (2026-12-15T17:00:00Z)', atKey: false },
    ]);
  });
});

describe('schema messages', () => {
  const person = { employee_id: 'E1', email: 'a@acme.com', status: 'active' };

  it('names unknown keys at the key', () => {
    expect(schemaIssues('person', { ...person, salary: '1' })).toEqual([{ path: ['salary'], message: 'unknown key "salary"', atKey: true }]);
  });

  it('names missing keys at their parent', () => {
    expect(schemaIssues('person', { employee_id: 'E1', email: 'a@acme.com' })).toEqual([{ path: [], message: 'missing required key "status"', atKey: false }]);
  });

  it('lists the values of an enum', () => {
    expect(schemaIssues('person', { ...person, status: 'gone' })).toEqual([
      { path: ['status'], message: '"status" must be one of: active, leave, terminated', atKey: false },
    ]);
  });

  it('folds a failed anyOf into one message describing its branches', () => {
    expect(schemaIssues('person', { ...person, end_date: 'soon', manager_email: 'bob' })).toEqual([
      { path: ['manager_email'], message: '"manager_email" must be empty or an email address', atKey: false },
      { path: ['end_date'], message: '"end_date" must be empty or a date (2026-12-15) or a date-time with offset (2026-12-15T17:00:00Z)', atKey: false },
    ]);
  });

  it('names types and list items', () => {
    expect(schemaIssues('person', { ...person, name: 7, aliases: [1] })).toEqual([
      { path: ['aliases'], message: '"aliases" must be a string or a list of strings', atKey: false },
      { path: ['name'], message: '"name" must be a string', atKey: false },
    ]);
  });

  it('explains secret-reference patterns without echoing the value', () => {
    const issues = schemaIssuesAgainst(providerCatalogue.configSchema('scim')!, { type: 'scim', baseUrl: 'ftp://x', token: 'plaintext-secret' });
    expect(issues).toEqual([
      { path: ['baseUrl'], message: '"baseUrl" must be an http:// or https:// URL', atKey: false },
      { path: ['token'], message: '"token" must be a secret reference, ${env:NAME} or ${file:PATH} (literal secrets are refused)', atKey: false },
    ]);
    expect(JSON.stringify(issues)).not.toContain('plaintext-secret');
  });

  it('reports a bad provider name once, at the name', () => {
    const config = {
      apiVersion: 'lockstep.dev/v1',
      kind: 'Config',
      metadata: { name: 'c' },
      spec: { people: { file: 'p.csv' }, providers: { 'bad name': { type: 'manual', owner: 'a@b.c' } } },
    };
    expect(schemaIssues('config', config)).toEqual([{ path: ['spec', 'providers', 'bad name'], message: 'invalid name "bad name"', atKey: true }]);
  });
});
