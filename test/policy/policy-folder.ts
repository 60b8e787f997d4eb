import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatProblem, UserError } from '../../src/errors.js';

/** A Config with two providers; tests append the documents they are about. */
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
 * Writes a policy folder in a fresh temporary directory (outside the working directory,
 * so problems name files by absolute path). `people.csv` is added unless given.
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
