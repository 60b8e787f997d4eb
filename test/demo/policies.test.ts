import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseInventory } from '../../providers/manual/inventory.js';
import { demoOrg } from '../../src/demo/demo-org.js';
import { POLICY_FILES, ROSTER_COLUMNS, renderRoster, writePolicyFolder } from '../../src/demo/write-policy.js';
import { ROOT, schemaChecker } from './schema-check.js';

const POLICIES = join(ROOT, 'policies');
const org = demoOrg();

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('the committed policies/ folder', () => {
  let fresh: string;
  beforeAll(async () => {
    fresh = await mkdtemp(join(tmpdir(), 'lockstep-demo-policies-'));
    await writePolicyFolder(fresh, org);
  });
  afterAll(async () => {
    await rm(fresh, { recursive: true, force: true });
  });

  it('is exactly what `npm run demo:policies` generates (run it after changing src/demo)', async () => {
    const generated = await listFiles(fresh);
    expect(await listFiles(POLICIES)).toEqual(generated);
    for (const file of generated) {
      const committed = await readFile(join(POLICIES, file), 'utf8');
      expect(committed === (await readFile(join(fresh, file), 'utf8')), `policies/${file} is stale`).toBe(true);
    }
  });

  it('holds one YAML file per kind, each pointing editors at its schema', async () => {
    const files = await listFiles(POLICIES);
    for (const { file, schema } of Object.values(POLICY_FILES)) {
      expect(files).toContain(file);
      const text = await readFile(join(POLICIES, file), 'utf8');
      const ref = `../schemas/${schema}.schema.json`;
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${ref}`);
      expect(existsSync(join(dirname(join(POLICIES, file)), ref))).toBe(true);
    }
    expect(files).not.toContain('snapshot.json');
  });

  it('reads back, document by document, as the generated documents', async () => {
    for (const [kind, { file }] of Object.entries(POLICY_FILES)) {
      const docs = parseAllDocuments(await readFile(join(POLICIES, file), 'utf8'));
      const parsed = (Array.isArray(docs) ? docs : [docs]).map((d) => {
        expect(d.errors).toEqual([]);
        return d.toJS() as unknown;
      });
      expect(parsed).toEqual(org.documents.filter((d) => d.kind === kind));
    }
  });

  it('holds documents, roster rows, connections and a snapshot the schemas accept', () => {
    const check = schemaChecker();
    const problems = org.documents.flatMap((d) => check(`${POLICY_FILES[d.kind].schema}.schema.json`, d));
    problems.push(...org.roster.flatMap((r) => check('person.schema.json', r)));
    problems.push(...check('snapshot.schema.json', org.snapshot));
    for (const d of org.documents) {
      if (d.kind === 'Config') for (const c of Object.values(d.spec.providers)) problems.push(...check(`provider-${c.type}`, c));
    }
    expect(problems).toEqual([]);
  });

  it('keeps the roster as CSV with the SPEC columns in order, aliases ;-separated', async () => {
    const text = await readFile(join(POLICIES, 'people.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(ROSTER_COLUMNS.join(','));
    const rows = parseCsv<Record<string, string>>(text, { columns: true, skip_empty_lines: true });
    expect(rows).toEqual(org.roster);
    expect(rows.some((r) => r['aliases']?.includes('@'))).toBe(true);
    for (const r of rows) if (r['end_date']) expect(Number.isNaN(Date.parse(r['end_date']))).toBe(false);
  });

  it('quotes roster fields that need it', () => {
    const csv = renderRoster([{ employee_id: 'E1', email: 'a@b.example', name: 'Smith, "Jo"', status: 'active' }]);
    expect(parseCsv(csv, { columns: true })).toEqual([
      {
        employee_id: 'E1',
        email: 'a@b.example',
        aliases: '',
        name: 'Smith, "Jo"',
        manager_email: '',
        department: '',
        title: '',
        employment_type: '',
        status: 'active',
        end_date: '',
        org: '',
      },
    ]);
  });

  it('holds the VPN inventory the manual provider reads as the observed state', async () => {
    const text = await readFile(join(POLICIES, 'inventories', 'vpn.yaml'), 'utf8');
    const { type, accounts, groups } = org.snapshot.providers['vpn']!;
    expect(parseInventory(text, 'policies/inventories/vpn.yaml')).toEqual({ type, accounts, groups });
  });
});
