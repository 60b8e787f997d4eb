import type { SourceLocation } from '../errors.js';
import type { RosterIdentities } from './match.js';

export type EmploymentType = 'employee' | 'contractor' | 'service';
export type PersonStatus = 'active' | 'leave' | 'terminated';

/**
 * One person from the HR roster. Emails are kept as written; matching lowercases them.
 * `endAt` is `end_date` in epoch milliseconds (a bare date means 00:00 UTC that day).
 */
/** Roster attributes a policy selector can test. */
export type SelectorField = 'employeeId' | 'email' | 'department' | 'title' | 'employmentType' | 'status' | 'org' | 'managerEmail';

export interface Person {
  /** The primary email lowercased: the person's identity in every map. */
  readonly key: string;
  /** Selector attributes lowercased once at load ('' when empty): selectors compare case-insensitively. */
  readonly lower: Readonly<Record<SelectorField, string>>;
  readonly employeeId: string;
  readonly email: string;
  /** Aliases, previous names and contractor-domain addresses. */
  readonly aliases: readonly string[];
  readonly name: string;
  readonly managerEmail: string | null;
  readonly department: string;
  readonly title: string;
  readonly employmentType: EmploymentType | null;
  readonly status: PersonStatus;
  readonly endDate: string | null;
  readonly endAt: number | null;
  readonly org: string;
  /** Where the row is (CSV line or YAML item). */
  readonly at: SourceLocation;
}

export interface Roster {
  readonly people: readonly Person[];
  /** sha256 of the roster file's bytes, as `sha256:<hex>`. */
  readonly digest: string;
  readonly file: string;
  /**
   * Who claims each employee id and address, built by the loader as it checks that
   * identity is unambiguous; the planner matches accounts with it instead of building it
   * again. Valid only for the `people` list it names.
   */
  readonly identities?: RosterIdentities | undefined;
}

/** A person's roster fields; `makePerson` derives the rest. */
export type PersonFields = Omit<Person, 'key' | 'lower'>;

export function makePerson(f: PersonFields): Person {
  // Written out rather than spread: a roster of 100,000 makes this 100,000 times.
  return {
    employeeId: f.employeeId,
    email: f.email,
    aliases: f.aliases,
    name: f.name,
    managerEmail: f.managerEmail,
    department: f.department,
    title: f.title,
    employmentType: f.employmentType,
    status: f.status,
    endDate: f.endDate,
    endAt: f.endAt,
    org: f.org,
    at: f.at,
    key: f.email.toLowerCase(),
    lower: lowerAttributes(f),
  };
}

function lowerAttributes(p: PersonFields): Record<SelectorField, string> {
  return {
    employeeId: p.employeeId.toLowerCase(),
    email: p.email.toLowerCase(),
    department: p.department.toLowerCase(),
    title: p.title.toLowerCase(),
    employmentType: (p.employmentType ?? '').toLowerCase(),
    status: p.status.toLowerCase(),
    org: p.org.toLowerCase(),
    managerEmail: (p.managerEmail ?? '').toLowerCase(),
  };
}
