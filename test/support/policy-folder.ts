import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { POLICY_FILES, renderPolicyDocuments, renderRoster } from '../../src/demo/write-policy.js';
import { formatProblem, UserError } from '../../src/errors.js';
import type { Person } from '../../src/roster/model.js';
import type { RosterRow } from '../../src/types/index.js';
import type { World } from '../plan/world.js';

/**
 * The policy folder a World describes, by path inside it: one YAML file per kind, written
 * as the demo writes its policy (config.yaml, roles.yaml, assignments.yaml,
 * lifecycle.yaml, exceptions.yaml), approvals.yaml and reviews.yaml beside them, and the
 * roster as the CSV the Config names. A planner test and an end-to-end test can so
 * describe their world the same way.
 */
export function policyFiles(world: World): Record<string, string> {
  const documents = [world.config, ...world.roles.values(), ...world.assignments, ...world.rules, ...world.exceptions];
  const files = Object.fromEntries(renderPolicyDocuments(documents, world.config.metadata.name));
  if (world.approvals.length > 0) files[APPROVALS] = yamlDocuments(world.approvals);
  if (world.reviews.length > 0) files[REVIEWS] = yamlDocuments(world.reviews);
  const roster = world.config.spec.people.file;
  if (!roster.endsWith('.csv')) throw new Error(`a World writes its roster as CSV, not ${roster}`);
  files[roster] = renderRoster(world.people.map(rosterRow));
  return files;
}

/**
 * Writes the World's policy folder into `dir` (creating it), over what an earlier call
 * wrote: a kind the world no longer has loses its file, so a test can edit the world and
 * write it again as a commit would change the folder. Returns `dir`.
 */
export function writePolicyFiles(dir: string, world: World): string {
  const files = policyFiles(world);
  for (const file of KIND_FILES) if (!(file in files)) rmSync(join(dir, file), { force: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const APPROVALS = 'approvals.yaml';
const REVIEWS = 'reviews.yaml';
const KIND_FILES = [...Object.values(POLICY_FILES).map((f) => f.file), APPROVALS, REVIEWS];

function yamlDocuments(docs: readonly object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

function rosterRow(p: Person): RosterRow {
  return {
    employee_id: p.employeeId,
    email: p.email,
    aliases: [...p.aliases],
    name: p.name,
    manager_email: p.managerEmail ?? '',
    department: p.department,
    title: p.title,
    employment_type: p.employmentType ?? '',
    status: p.status,
    end_date: p.endDate ?? '',
    org: p.org,
  };
}

/**
 * A Config with two providers, as text: for tests about the text itself (problems by
 * file, line and column), which append the documents they are about.
 */
export const BASE_CONFIG = `apiVersion: lockstep.dev/v1
kind: Config
metadata: { name: acme }
spec:
  people: { file: people.csv }
  providers:
    okta-main: { type: okta, orgUrl: https://acme.okta.com, token: "\${env:OKTA_API_TOKEN}" }
    gws: { type: google, customer: my_customer, subject: admin@acme.com, credentials: "\${file:google.json}" }
`;

export const BASE_PEOPLE = `employee_id,email,status
E1,alice@acme.com,active
`;

export const SALES_ROLE = `apiVersion: lockstep.dev/v1
kind: RoleProfile
metadata: { name: sales-l1 }
spec:
  grants:
    - { provider: okta-main, group: Salesforce Users }
`;

/**
 * Writes a policy folder of the given text in a fresh temporary directory (outside the
 * working directory, so problems name files by absolute path). `people.csv` is added
 * unless given; `policyFiles(world)` gives a World's folder.
 */
export async function policyFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-policy-'));
  const all = { 'people.csv': BASE_PEOPLE, ...files };
  for (const [name, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** The formatted problems of a rejected load, or a failure when it did not reject with a UserError. */
export async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (e) {
    if (e instanceof UserError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected a UserError, but loading succeeded');
}
