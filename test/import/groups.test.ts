import { describe, expect, it } from 'vitest';
import { sortGroupMembers } from '../../src/import/groups.js';
import { groupMatcher, chooseProviders } from '../../src/import/select.js';
import { UserError } from '../../src/errors.js';
import type { ConfigDocument, ObservedAccount, ObservedGroup, Snapshot } from '../../src/types/index.js';
import { rosterPerson } from '../support/person.js';

const NOW = new Date('2026-11-20T09:00:00Z');
const config: ConfigDocument = {
  apiVersion: 'lockstep.dev/v1',
  kind: 'Config',
  metadata: { name: 'acme' },
  spec: {
    people: { file: 'people.csv' },
    domains: ['acme.com'],
    providers: { okta: { type: 'okta' } },
    protected: [{ provider: '*', login: 'breakglass@acme.com' }],
  },
};
const people = [
  rosterPerson({ employeeId: 'E1', email: 'ana@acme.com' }),
  rosterPerson({ employeeId: 'E2', email: 'bo@acme.com', aliases: ['bo.old@acme.com'] }),
  rosterPerson({ employeeId: 'E3', email: 'cy@acme.com', status: 'terminated', endDate: '2026-11-01', endAt: Date.parse('2026-11-01') }),
  // Terminated, but only from next month: still entitled today.
  rosterPerson({ employeeId: 'E4', email: 'di@acme.com', status: 'terminated', endDate: '2026-12-31', endAt: Date.parse('2026-12-31') }),
  rosterPerson({ employeeId: 'E5', email: 'ed@acme.com', employmentType: 'contractor', endDate: '2026-11-10', endAt: Date.parse('2026-11-10') }),
];
const account = (id: string, login: string): ObservedAccount => ({ id, login, status: 'active' });
const accounts = [
  account('a1', 'ana@acme.com'),
  account('a2', 'bo.old@acme.com'),
  account('a3', 'cy@acme.com'),
  account('a4', 'di@acme.com'),
  account('a5', 'ed@acme.com'),
  account('o1', 'ghost@acme.com'),
  account('x1', 'partner@vendor.example'),
  account('x2', 'bot@vendor.example'),
  account('bg', 'breakglass@acme.com'),
];
const group = (name: string, members: string[]): ObservedGroup => ({ id: `g-${name}`, name, members });

function sorted(groups: ObservedGroup[]) {
  const snapshot: Snapshot = { formatVersion: '1.0', observedAt: NOW.toISOString(), providers: { okta: { type: 'okta', accounts, groups } } };
  return sortGroupMembers({ config, people, snapshot, now: NOW }).groups;
}

describe('sortGroupMembers', () => {
  it('sorts members into entitled people, leavers, orphans, outside accounts and protected ones', () => {
    const [g] = sorted([group('Staff', ['a1', 'a2', 'a3', 'a4', 'a5', 'o1', 'bg'])]);
    expect(g!.members).toEqual([0, 1, 3]); // bo through his previous address; di until her end date
    expect(g!.leavers).toEqual([2, 4]); // cy terminated, ed's contract ended
    expect(g!.orphans.map((a) => a.login)).toEqual(['ghost@acme.com']);
    expect(g!.outside).toEqual([]);
    expect(g!.protectedAccounts).toBe(1);
    expect(g!.skip).toBeNull();
  });

  it('lists every account matching no person, in a group or not, protected accounts aside', () => {
    const snapshot: Snapshot = {
      formatVersion: '1.0',
      observedAt: NOW.toISOString(),
      providers: { okta: { type: 'okta', accounts, groups: [group('Staff', ['o1', 'bg', 'a1'])] } },
    };
    const { unmatched } = sortGroupMembers({ config, people, snapshot, now: NOW });
    expect(unmatched.map((a) => [a.login, a.orphan, a.groups])).toEqual([
      ['ghost@acme.com', true, ['Staff']],
      ['partner@vendor.example', false, []],
      ['bot@vendor.example', false, []],
    ]);
  });

  it('gives each reason a group is left unmanaged', () => {
    const skips = sorted([
      group('clusterrolebinding/system:controller:job', ['a1']),
      group('Empty', []),
      group('Leavers only', ['a3', 'a5']),
      group('Mostly vendors', ['a1', 'x1', 'x2']),
      group('One vendor', ['a1', 'a2', 'x1']),
      group('Orphan minority', ['a1', 'a2', 'o1']),
      group('Breakglass and one', ['bg', 'a1']),
    ]).map((g) => [g.group.name, g.skip]);
    expect(skips).toEqual([
      ['clusterrolebinding/system:controller:job', 'system'],
      ['Empty', 'empty'],
      ['Leavers only', 'no_people'],
      ['Mostly vendors', 'mostly_unmatched'],
      ['One vendor', 'outside_accounts'],
      ['Orphan minority', null],
      ['Breakglass and one', null],
    ]);
  });
});

describe('--groups and --providers', () => {
  it('matches globs on the whole name, case-insensitively, and /regex/', () => {
    const glob = groupMatcher('SG-*');
    expect([glob('sg-Engineering'), glob('All SG-x'), glob('SG-')]).toEqual([true, false, true]);
    const one = groupMatcher('team-?');
    expect([one('team-a'), one('team-ab')]).toEqual([true, false]);
    const re = groupMatcher('/admins?$/i');
    expect([re('Okta Admins'), re('Admin'), re('Administrators')]).toEqual([true, true, false]);
    const dots = groupMatcher('staff@acme.com');
    expect(dots('staffXacme.com')).toBe(false);
  });

  it('refuses a bad regular expression and unknown providers, naming them all', () => {
    expect(() => groupMatcher('/(/')).toThrow(UserError);
    expect(() => chooseProviders('okta,nope,gone', ['okta', 'google'], null)).toThrow(/provider "nope" is not in the Config[\s\S]*provider "gone"/);
    expect(() => chooseProviders('google', ['okta', 'google'], ['okta'])).toThrow(/provider "google" is not in the snapshot/);
    expect(chooseProviders(undefined, ['okta', 'google'], ['okta'])).toEqual(['okta']);
    expect(chooseProviders(' google ,okta', ['okta', 'google'], null)).toEqual(['google', 'okta']);
  });
});
