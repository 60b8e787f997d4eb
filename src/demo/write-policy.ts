import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, visit, type ToStringOptions } from 'yaml';
import { ROSTER_COLUMNS as ROSTER_COLUMN_NAMES } from '../roster/roster-rows.js';
import type { RosterRow, Snapshot } from '../types/index.js';
import type { DemoDocument, ManualInventory, Org } from './model.js';

/** Where each kind is written, and the schema its editor completion comes from. */
export const POLICY_FILES: Readonly<Record<DemoDocument['kind'], { readonly file: string; readonly schema: string; readonly title: string }>> = {
  Config: { file: 'config.yaml', schema: 'config', title: 'roster, domains, provider connections, guard, protected accounts' },
  RoleProfile: { file: 'roles.yaml', schema: 'role-profile', title: 'role profiles: what each role grants' },
  RoleAssignment: { file: 'assignments.yaml', schema: 'role-assignment', title: 'role assignments: who holds which role' },
  LifecycleRule: { file: 'lifecycle.yaml', schema: 'lifecycle-rule', title: 'lifecycle rules: leavers, contract ends, dormancy, orphans, leave' },
  Exception: { file: 'exceptions.yaml', schema: 'exception', title: 'exceptions: access kept against policy, until an expiry date' },
};

/** The roster's columns, in the order SPEC §4 lists them: the loader's own list, which every demo row fills. */
export const ROSTER_COLUMNS = ROSTER_COLUMN_NAMES satisfies readonly (keyof RosterRow)[];

const YAML_OPTIONS: ToStringOptions = { lineWidth: 0 };

/** Map keys whose value reads best on one line, as in the SPEC's examples. */
const FLOW_MAP_KEYS = new Set(['metadata', 'select', 'appliesTo', 'people', 'scope', 'guard']);
const FLOW_ITEMS_UNDER = new Set(['grants', 'minMembers', 'protected', 'providers', 'accounts']);

/**
 * Short maps and lists on one line (`{ provider: wiki, group: Legal }`, `[suspend, ...]`),
 * everything else in block style, so a reviewer reads one grant or stage per line.
 */
function toYaml(value: unknown, header: string[]): string {
  const doc = new Document(value);
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const v = pair.value;
      if (isMap(v) && FLOW_MAP_KEYS.has(key)) v.flow = true;
      if (isMap(v) && FLOW_ITEMS_UNDER.has(key)) for (const item of v.items) if (isPair(item) && isMap(item.value)) item.value.flow = true;
      if (isSeq(v) && FLOW_ITEMS_UNDER.has(key)) for (const item of v.items) if (isMap(item)) item.flow = true;
      if (isSeq(v) && v.items.every(isScalar) && v.items.map((i) => String(i.value)).join(', ').length <= 80) v.flow = true;
    },
  });
  if (header.length) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString(YAML_OPTIONS);
}

/** One multi-document YAML file per kind, each document separated by `---`. */
export function renderPolicyDocuments(documents: readonly DemoDocument[], companyName: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of Object.keys(POLICY_FILES) as DemoDocument['kind'][]) {
    const docs = documents.filter((d) => d.kind === kind);
    if (docs.length === 0) continue;
    const { file, schema, title } = POLICY_FILES[kind];
    const header = [`yaml-language-server: $schema=../schemas/${schema}.schema.json`, `${companyName} access policy: ${title}.`];
    files.set(file, docs.map((d, i) => (i === 0 ? toYaml(d, header) : `---\n${toYaml(d, [])}`)).join(''));
  }
  return files;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The roster as an HRIS CSV export: a header row, then one row per person. */
export function renderRoster(rows: readonly RosterRow[]): string {
  const lines = [ROSTER_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      ROSTER_COLUMNS.map((c) => {
        const v = row[c];
        return csvField(Array.isArray(v) ? v.join(';') : String(v ?? ''));
      }).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderInventory(name: string, owner: string, inventory: ManualInventory): string {
  return toYaml(inventory, [
    `Accounts and groups of ${name}, an app with no API. Kept by ${owner};`,
    'Lockstep reads it to observe the app and sends the owner tasks for the changes.',
  ]);
}

export function renderSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/**
 * Every file of the policy folder, by path relative to it: the policy YAML, the
 * roster and the manual providers' inventories. The observed snapshot is not policy
 * and is not among them.
 */
export function renderPolicyFolder(org: Org): Map<string, string> {
  const files = renderPolicyDocuments(org.documents, org.company.name);
  const config = org.documents.find((d) => d.kind === 'Config');
  const people = config?.kind === 'Config' ? config.spec.people.file : 'people.csv';
  files.set(people, renderRoster(org.roster));
  for (const [name, inventory] of Object.entries(org.inventories)) {
    const connection = config?.kind === 'Config' ? (config.spec.providers[name] as { owner?: string; inventory?: string } | undefined) : undefined;
    files.set(connection?.inventory ?? `inventories/${name}.yaml`, renderInventory(name, connection?.owner ?? 'its owner', inventory));
  }
  return files;
}

/** Writes the policy folder (creating it); returns the relative paths written, sorted. */
export async function writePolicyFolder(dir: string, org: Org): Promise<string[]> {
  const files = renderPolicyFolder(org);
  for (const [path, content] of files) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, 'utf8');
  }
  return [...files.keys()].sort();
}
