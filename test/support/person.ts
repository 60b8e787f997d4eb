import { makePerson, type Person, type PersonFields } from '../../src/roster/model.js';

/** An active employee from row 2 of people.csv, with the given fields (the rest blank). */
export function rosterPerson(fields: Pick<PersonFields, 'employeeId' | 'email'> & Partial<PersonFields>): Person {
  return makePerson({
    aliases: [],
    name: fields.email,
    managerEmail: null,
    department: '',
    title: '',
    employmentType: 'employee',
    status: 'active',
    endDate: null,
    endAt: null,
    org: '',
    at: { file: 'people.csv', line: 2, col: 1 },
    ...fields,
  });
}
