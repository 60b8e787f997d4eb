import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { UserError, type Problem, type SourceLocation } from '../errors.js';
import type { Policy } from '../policy/model.js';
import { displayPath } from '../policy/policy-files.js';
import { schemaIssues } from '../policy/schemas.js';
import { isValidDate, parseInstant } from '../policy/time.js';
import { makePerson, type EmploymentType, type Person, type PersonStatus, type Roster } from './model.js';
import type { RosterIdentities } from './match.js';
import { readCsvRows, readYamlRows, type RosterRowSource } from './roster-rows.js';

/** A roster and the problems that do not stop it from being used. */
export interface LoadedRoster extends Roster {
  readonly warnings: readonly Problem[];
}

type RosterFormat = 'csv' | 'yaml';

function formatOf(file: string, declared: RosterFormat | undefined): RosterFormat {
  if (declared) return declared;
  return /^\.ya?ml$/i.test(extname(file)) ? 'yaml' : 'csv';
}

function where(at: SourceLocation): string {
  return `${at.file}:${at.line}`;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function splitAliases(v: unknown): string[] {
  const list = Array.isArray(v)
    ? v.map(text)
    : text(v)
        .split(';')
        .map((s) => s.trim());
  return list.filter((s) => s !== '');
}

/** Schema and date checks of one row; the Person when the row is sound. */
function toPerson(row: RosterRowSource, problems: Problem[], warnings: Problem[]): Person | null {
  const before = problems.length;
  const endDate = text(row.fields.end_date);
  const badEndDate = endDate !== '' && !isValidDate(endDate);
  if (badEndDate) {
    problems.push({ message: `invalid end_date "${endDate}": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (a real calendar date)`, at: row.locate('end_date') });
  }
  for (const issue of schemaIssues('person', row.fields)) {
    if (badEndDate && issue.path[0] === 'end_date') continue;
    problems.push({ message: issue.message, at: issue.path.length > 0 ? row.locate(issue.path, { key: issue.atKey }) : row.at });
  }
  if (problems.length > before) return null;
  const f = row.fields;
  const status = text(f.status) as PersonStatus;
  if (status === 'terminated' && endDate === '') {
    warnings.push({ message: `${text(f.email)} is terminated without an end_date: lifecycle stages cannot be timed`, at: row.locate('status') });
  }
  const employmentType = text(f.employment_type);
  const managerEmail = text(f.manager_email);
  return makePerson({
    employeeId: text(f.employee_id),
    email: text(f.email),
    aliases: splitAliases(f.aliases),
    name: text(f.name),
    managerEmail: managerEmail === '' ? null : managerEmail,
    department: text(f.department),
    title: text(f.title),
    employmentType: employmentType === '' ? null : (employmentType as EmploymentType),
    status,
    endDate: endDate === '' ? null : endDate,
    endAt: endDate === '' ? null : parseInstant(endDate),
    org: text(f.org),
    at: row.at,
  });
}

/**
 * Identity must be unambiguous: one row per employee id, and every address (primary or
 * alias, compared case-insensitively) belongs to at most one row. Checked on every row,
 * sound or not, so one pass reports all of a file's conflicts. The maps it builds are the
 * roster's identity index (by row, which is the person's position once every row is sound).
 */
function checkUniqueness(rows: readonly RosterRowSource[], problems: Problem[]): Omit<RosterIdentities, 'people'> {
  const byEmployeeId = new Map<string, number>();
  const byAddress = new Map<string, number>();
  const label = (row: RosterRowSource): string => `${text(row.fields.employee_id) || 'a row'} (${where(row.at)})`;
  rows.forEach((row, r) => {
    const id = text(row.fields.employee_id);
    const sameId = byEmployeeId.get(id.toLowerCase());
    if (id !== '' && sameId !== undefined)
      problems.push({ message: `duplicate employee_id "${id}" (also on ${where(rows[sameId]!.at)})`, at: row.locate('employee_id') });
    else if (id !== '') {
      byEmployeeId.set(id.toLowerCase(), r);
      if (id !== id.toLowerCase()) byEmployeeId.set(id, r); // as written too (see RosterIdentities)
    }
    // The primary email is claimed first, so where a person lists it again as an alias the
    // primary claim is the one kept (as RosterIdentities wants).
    const claims: Array<[string, string | ReadonlyArray<string | number>, number]> = [[text(row.fields.email), 'email', r * 2]];
    const aliasList = Array.isArray(row.fields.aliases);
    splitAliases(row.fields.aliases).forEach((a, i) => claims.push([a, aliasList ? ['aliases', i] : 'aliases', r * 2 + 1]));
    for (const [address, field, claim] of claims) {
      if (address === '') continue;
      const owner = byAddress.get(address.toLowerCase());
      if (owner === undefined) byAddress.set(address.toLowerCase(), claim);
      else if (owner >> 1 !== r) {
        problems.push({ message: `address "${address}" is claimed by two people: ${label(rows[owner >> 1]!)} and ${label(row)}`, at: row.locate(field) });
      }
    }
  });
  return { byEmployeeId, byAddress };
}

function byPosition(a: Problem, b: Problem): number {
  return (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.col ?? 0) - (b.at?.col ?? 0);
}

/** Reads and checks a roster file's bytes; `abs` names it in problems. */
export function parseRoster(bytes: Buffer, abs: string, format: RosterFormat): LoadedRoster {
  const display = displayPath(abs);
  const read = format === 'yaml' ? readYamlRows(bytes, abs) : readCsvRows(bytes, display);
  const problems = [...read.problems];
  const warnings: Problem[] = [];
  const people: Person[] = [];
  for (const row of read.rows) {
    const person = toPerson(row, problems, warnings);
    if (person) people.push(person);
  }
  const identities = checkUniqueness(read.rows, problems);
  if (problems.length > 0) throw new UserError(problems.sort(byPosition));
  return {
    people,
    identities: people.length === read.rows.length ? { people, ...identities } : undefined,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    file: display,
    warnings: warnings.sort(byPosition),
  };
}

/**
 * The HR roster: `overrideFile` (`--people FILE`, relative to the working directory) or the
 * Config's `spec.people.file` (relative to the policy folder). CSV or YAML by the Config's
 * `format`, else by extension. Throws one UserError with every problem in the file.
 */
export async function loadRoster(policy: Pick<Policy, 'dir' | 'config'>, overrideFile?: string): Promise<LoadedRoster> {
  const people = policy.config.doc.spec.people;
  const abs = overrideFile !== undefined ? resolve(overrideFile) : resolve(policy.dir, people.file);
  const format = formatOf(abs, overrideFile !== undefined ? undefined : people.format);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch {
    const at = overrideFile === undefined ? policy.config.locate(['spec', 'people', 'file']) : undefined;
    throw new UserError([{ message: `roster file ${displayPath(abs)} cannot be read`, at }]);
  }
  return parseRoster(bytes, abs, format);
}
