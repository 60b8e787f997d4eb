import { describe, expect, it } from 'vitest';
import { compileSelector } from '../../src/plan/entitlements.js';
import { buildPopulation, coverMembers } from '../../src/import/cover.js';
import type { Person, PersonFields } from '../../src/roster/model.js';
import { rosterPerson } from '../support/person.js';

let next = 0;
function person(department: string, title: string, employmentType: PersonFields['employmentType'] = 'employee', org = 'Acme'): Person {
  next++;
  return rosterPerson({ employeeId: `E${next}`, email: `p${next}@acme.com`, department, title, employmentType, org });
}

/** Positions of `people` a list of selectors picks, as the planner reads them. */
function selected(people: readonly Person[], selectors: ReturnType<typeof coverMembers>['selectors']): number[] {
  const tests = selectors.map((s) => compileSelector(s));
  return people.flatMap((p, i) => (tests.some((t) => t(p)) ? [i] : []));
}

const all = () => true;

describe('coverMembers', () => {
  it('explains a whole department by one selector and adds no one', () => {
    const people = [person('Sales', 'AE'), person('Sales', 'SDR'), person('Sales', 'AE', 'contractor'), person('Support', 'Agent'), person('Support', 'Lead')];
    const cover = coverMembers(buildPopulation(people, all), [0, 1, 2]);
    expect(cover.selectors).toEqual([{ department: 'Sales' }]);
    expect(cover.explicit).toEqual([]);
    expect(cover.covered).toBe(3);
    expect(selected(people, cover.selectors)).toEqual([0, 1, 2]);
  });

  it('never uses a selector that would select a non-member: the rest is listed by name', () => {
    // Sales minus one AE: "department: Sales" would add p(1); the SDRs are a title of their own.
    const people = [person('Sales', 'AE'), person('Sales', 'AE'), person('Sales', 'SDR'), person('Sales', 'SDR'), person('Support', 'SDR')];
    const cover = coverMembers(buildPopulation(people, all), [0, 2, 3]);
    expect(cover.selectors).toEqual([{ department: 'Sales', title: 'SDR' }]);
    expect(cover.explicit).toEqual([0]);
    expect(selected(people, cover.selectors)).toEqual([2, 3]);
  });

  it('merges selectors on the same attribute into one list of values', () => {
    const people = [person('IT', 'Admin'), person('IT', 'Tech'), person('Engineering', 'Dev'), person('Engineering', 'Dev'), person('Legal', 'Counsel')];
    const cover = coverMembers(buildPopulation(people, all), [0, 1, 2, 3]);
    expect(cover.selectors).toEqual([{ department: ['Engineering', 'IT'] }]);
    expect(selected(people, cover.selectors)).toEqual([0, 1, 2, 3]);
  });

  it('prefers the broadest attribute that is exact: everyone human, not the service accounts', () => {
    const people = [
      person('Sales', 'AE'),
      person('IT', 'Tech', 'contractor'),
      person('Legal', 'Counsel'),
      person('IT', 'Bot', 'service'),
      person('Finance', 'Analyst', 'contractor'),
    ];
    const cover = coverMembers(buildPopulation(people, all), [0, 1, 2, 4]);
    expect(cover.selectors).toEqual([{ employmentType: ['contractor', 'employee'] }]);
    expect(cover.explicit).toEqual([]);
  });

  it('lists by name what no selector of at least two members explains', () => {
    const people = [person('Finance', 'CFO'), person('Finance', 'Analyst'), person('Finance', 'Analyst')];
    const cover = coverMembers(buildPopulation(people, all), [0]);
    expect(cover.selectors).toEqual([]);
    expect(cover.explicit).toEqual([0]);
    expect(cover.covered).toBe(0);
  });

  it('counts only entitled people: a leaver in the department does not stop its selector', () => {
    const people = [person('Sales', 'AE'), person('Sales', 'AE'), person('Sales', 'AE')];
    const cover = coverMembers(
      buildPopulation(people, (i) => i !== 2),
      [0, 1],
    );
    expect(cover.selectors).toEqual([{ department: 'Sales' }]);
  });

  it('never selects by an empty attribute', () => {
    const people = [person('', 'AE'), person('', 'AE'), person('Sales', 'SDR')];
    const cover = coverMembers(buildPopulation(people, all), [0, 1]);
    expect(cover.selectors).toEqual([{ title: 'AE' }]);
  });

  it('compares values case-insensitively, as selectors do, and writes them as the roster does', () => {
    const people = [person('Sales', 'AE'), person('sales', 'AE'), person('Support', 'AE')];
    const cover = coverMembers(buildPopulation(people, all), [0, 1]);
    expect(cover.selectors).toEqual([{ department: 'Sales' }]);
    expect(selected(people, cover.selectors)).toEqual([0, 1]);
  });
});
