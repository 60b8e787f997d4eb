import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import type { Policy } from '../../src/policy/model.js';
import { loadRoster, parseRoster } from '../../src/roster/load.js';
import { rosterIdentities } from '../../src/roster/match.js';
import { problemsOf } from '../support/policy-folder.js';

const DIR = 'test/fixtures/roster';

let policy: Policy;
beforeAll(async () => {
  policy = await loadPolicy('test/fixtures/policy/spec-example');
});

describe('loadRoster: CSV', () => {
  it("reads the Config's roster, relative to the policy folder", async () => {
    const roster = await loadRoster(policy);
    expect(roster.file).toBe('test/fixtures/policy/spec-example/people.csv');
    expect(roster.people.map((p) => p.email)).toEqual(['alice@acme.com', 'dana@acme.com', 'carol@vendor.com']);
  });

  it('reads every SPEC §4 column, tolerating a BOM, CRLF, quotes and blank lines', async () => {
    const roster = await loadRoster(policy, `${DIR}/people.csv`);
    expect(roster.file).toBe(`${DIR}/people.csv`);
    expect(roster.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(roster.warnings).toEqual([]);
    expect(roster.people).toEqual([
      {
        employeeId: 'E100',
        email: 'Alice@Acme.com',
        aliases: ['alice.smith@acme.com', 'asmith@acme.com'],
        name: 'Alice Smith',
        managerEmail: null,
        department: 'Sales',
        title: 'Account Executive',
        employmentType: 'employee',
        status: 'active',
        endDate: null,
        endAt: null,
        org: 'acme',
        at: { file: `${DIR}/people.csv`, line: 2, col: 1 },
        key: 'alice@acme.com',
        lower: {
          employeeId: 'e100',
          email: 'alice@acme.com',
          department: 'sales',
          title: 'account executive',
          employmentType: 'employee',
          status: 'active',
          org: 'acme',
          managerEmail: '',
        },
      },
      expect.objectContaining({
        employeeId: 'E101',
        name: 'Bob, Jr.',
        managerEmail: 'alice@acme.com',
        status: 'terminated',
        endDate: '2026-11-20',
        endAt: Date.UTC(2026, 10, 20),
        at: { file: `${DIR}/people.csv`, line: 4, col: 1 },
      }),
      expect.objectContaining({ employeeId: 'C200', employmentType: 'contractor', endAt: Date.UTC(2026, 11, 31, 17), org: 'vendor' }),
      expect.objectContaining({ employeeId: 'S1', employmentType: 'service', status: 'leave', department: '', title: '' }),
    ]);
  });

  it('reports every problem in the file at its cell', async () => {
    expect(await problemsOf(loadRoster(policy, `${DIR}/errors.csv`))).toEqual([
      `${DIR}/errors.csv:3:1: duplicate employee_id "E1" (also on ${DIR}/errors.csv:2)`,
      `${DIR}/errors.csv:3:17: "status" must be one of: active, leave, terminated`,
      `${DIR}/errors.csv:3:22: invalid end_date "2026-02-30": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (a real calendar date)`,
      `${DIR}/errors.csv:4:4: "email" must be an email address`,
      `${DIR}/errors.csv:5:30: address "Alice@acme.com" is claimed by two people: E1 (${DIR}/errors.csv:2) and E4 (${DIR}/errors.csv:5)`,
      `${DIR}/errors.csv:6:1: row has 3 cells, the header has 5`,
    ]);
  });

  it('refuses unknown, repeated and missing columns', async () => {
    expect(await problemsOf(loadRoster(policy, `${DIR}/bad-header.csv`))).toEqual([
      `${DIR}/bad-header.csv:1:1: missing required column "email"`,
      `${DIR}/bad-header.csv:1:13: unknown column "mail" (columns are: employee_id, email, aliases, name, manager_email, department, title, employment_type, status, end_date, org)`,
      `${DIR}/bad-header.csv:1:25: unknown column "e-mail" (columns are: employee_id, email, aliases, name, manager_email, department, title, employment_type, status, end_date, org)`,
      `${DIR}/bad-header.csv:1:32: column "status" appears twice`,
    ]);
  });

  it('refuses an empty file and unclosed quotes', () => {
    expect(() => parseRoster(Buffer.from(''), '/hr/empty.csv', 'csv')).toThrow('/hr/empty.csv:1:1: the roster is empty: a header row is required');
    expect(() => parseRoster(Buffer.from('employee_id,email,status\nE1,"a@acme.com,active\n'), '/hr/q.csv', 'csv')).toThrow(/^\/hr\/q\.csv:2:1: CSV: Quote Not Closed/);
  });

  it('counts lines and columns after a quoted cell spanning lines, in characters not bytes', () => {
    const csv = 'employee_id,name,email,status\nE1,"Zoë\nSecond line",zoe@acme.com,active\nE2,Jürgen,bad,active\n';
    expect(() => parseRoster(Buffer.from(csv), '/hr/p.csv', 'csv')).toThrow('/hr/p.csv:4:11: "email" must be an email address');
  });

  it('warns about a terminated person without an end date', () => {
    const roster = parseRoster(Buffer.from('employee_id,email,status\nE1,gone@acme.com,terminated\n'), '/hr/p.csv', 'csv');
    expect(roster.warnings.map(formatProblem)).toEqual(['/hr/p.csv:2:18: gone@acme.com is terminated without an end_date: lifecycle stages cannot be timed']);
  });

  it('names a roster file that cannot be read', async () => {
    expect(await problemsOf(loadRoster(policy, `${DIR}/missing.csv`))).toEqual([`roster file ${DIR}/missing.csv cannot be read`]);
  });
});

describe('the identity index a loaded roster brings', () => {
  it('is the index rosterIdentities builds from its people (CSV and YAML)', async () => {
    for (const file of [`${DIR}/people.csv`, `${DIR}/people.yaml`]) {
      const roster = await loadRoster(policy, file);
      const built = rosterIdentities(roster.people);
      expect(roster.identities?.people).toBe(roster.people);
      expect(roster.identities?.byAddress.size).toBeGreaterThan(roster.people.length);
      expect([...roster.identities!.byEmployeeId].sort()).toEqual([...built.byEmployeeId].sort());
      expect([...roster.identities!.byAddress].sort()).toEqual([...built.byAddress].sort());
    }
  });

  it('keeps the primary claim where a person lists their own email again as an alias', () => {
    const csv = 'employee_id,email,aliases,status\nE1,Ann@acme.com,ann@ACME.com;a@acme.com,active\nE2,bo@acme.com,,active\n';
    const roster = parseRoster(Buffer.from(csv), '/hr/people.csv', 'csv');
    expect(Object.fromEntries(roster.identities!.byAddress)).toEqual({ 'ann@acme.com': 0, 'a@acme.com': 1, 'bo@acme.com': 2 });
    expect(Object.fromEntries(roster.identities!.byEmployeeId)).toEqual({ e1: 0, E1: 0, e2: 1, E2: 1 });
    expect(Object.fromEntries(rosterIdentities(roster.people).byAddress)).toEqual({ 'ann@acme.com': 0, 'a@acme.com': 1, 'bo@acme.com': 2 });
  });
});

describe('loadRoster: YAML', () => {
  it('reads a list of maps, aliases as a list or a ;-separated string, ids as written', async () => {
    const roster = await loadRoster(policy, `${DIR}/people.yaml`);
    expect(roster.people.map((p) => [p.employeeId, p.email, p.aliases, p.at.line])).toEqual([
      ['00123', 'dana@acme.com', ['dana.old@acme.com', 'DANA@corp.acme.com'], 2],
      ['00124', 'erin@acme.com', ['erin.x@acme.com', 'erin.y@acme.com'], 9],
    ]);
    expect(roster.people[1]).toMatchObject({
      status: 'terminated',
      endDate: '2026-10-01',
      endAt: Date.UTC(2026, 9, 1),
      name: '',
      managerEmail: null,
      employmentType: null,
    });
  });

  it('reports every problem at its node', async () => {
    expect(await problemsOf(loadRoster(policy, `${DIR}/errors.yaml`))).toEqual([
      `${DIR}/errors.yaml:7:3: unknown key "salary"`,
      `${DIR}/errors.yaml:8:25: address "alice@ACME.com" is claimed by two people: E1 (${DIR}/errors.yaml:1) and E2 (${DIR}/errors.yaml:4)`,
      `${DIR}/errors.yaml:9:3: each roster item must be a map of fields`,
      `${DIR}/errors.yaml:10:3: missing required key "email"`,
      `${DIR}/errors.yaml:12:13: invalid end_date "2026-04-31": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (a real calendar date)`,
    ]);
  });

  it('refuses a YAML roster that is not a list', () => {
    expect(() => parseRoster(Buffer.from('people: []\n'), '/hr/p.yaml', 'yaml')).toThrow('/hr/p.yaml:1:1: a YAML roster must be a list of people');
  });
});
