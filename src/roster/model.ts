import type { SourceLocation } from '../errors.js';

export type EmploymentType = 'employee' | 'contractor' | 'service';
export type PersonStatus = 'active' | 'leave' | 'terminated';

/**
 * One person from the HR roster. Emails are kept as written; matching lowercases them.
 * `endAt` is `end_date` in epoch milliseconds (a bare date means 00:00 UTC that day).
 */
export interface Person {
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
}
