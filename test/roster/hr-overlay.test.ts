import { describe, expect, it } from 'vitest';
import { containsNow, overlayRoster, rosterAgrees, type PendingEvent } from '../../src/roster/hr-overlay.js';
import { makePerson, type Roster } from '../../src/roster/model.js';

const person = (employeeId: string, email: string, extra: Partial<Parameters<typeof makePerson>[0]> = {}) =>
  makePerson({
    employeeId,
    email,
    aliases: [],
    name: email,
    managerEmail: null,
    department: 'Sales',
    title: 'AE',
    employmentType: 'employee',
    status: 'active',
    endDate: null,
    endAt: null,
    org: 'acme',
    at: { file: 'people.csv', line: 1, col: 1 },
    ...extra,
  });
const roster: Roster = { people: [person('E1', 'ann@acme.com'), person('E2', 'bo@acme.com', { employmentType: 'contractor' })], digest: 'sha256:x', file: 'people.csv' };
const NOW = Date.parse('2026-11-20T12:00:00Z');
const pending = (type: PendingEvent['event']['type'], ref: PendingEvent['event']['person'], at = NOW): PendingEvent => ({
  event: { id: `e-${type}`, type, person: ref, effectiveAt: new Date(at).toISOString() },
  receivedAt: NOW,
  effectiveAtMs: at,
});

describe('the roster overlay of pending HR events', () => {
  it('terminates the named person (by employee id or email), leaving the roster itself unchanged', () => {
    const byId = overlayRoster(roster, [pending('termination', { employeeId: 'E1' })]);
    expect(byId.people[0]!.status).toBe('terminated');
    expect(byId.people[0]!.endAt).toBe(NOW);
    expect(byId.people[1]!.status).toBe('active');
    expect(roster.people[0]!.status).toBe('active');
    expect(overlayRoster(roster, [pending('termination', { email: 'ANN@acme.com' })]).people[0]!.status).toBe('terminated');
  });

  it('a rehire after a termination makes the person active again', () => {
    const r = overlayRoster(roster, [pending('termination', { employeeId: 'E1' }), pending('rehire', { employeeId: 'E1' })]);
    expect(r.people[0]!.status).toBe('active');
    expect(r.people[0]!.endAt).toBeNull();
  });

  it('contains terminations at once, contract ends only once effective, leave never', () => {
    expect(containsNow(pending('termination', { employeeId: 'E1' }, NOW + 86_400_000), NOW)).toBe(true);
    expect(containsNow(pending('contract_end', { employeeId: 'E2' }, NOW + 86_400_000), NOW)).toBe(false);
    expect(containsNow(pending('contract_end', { employeeId: 'E2' }, NOW - 1), NOW)).toBe(true);
    expect(containsNow(pending('leave', { employeeId: 'E1' }), NOW)).toBe(false);
  });

  it('is dropped once the roster says the same', () => {
    const t = pending('termination', { employeeId: 'E1' });
    expect(rosterAgrees(roster, t)).toBe(false);
    expect(rosterAgrees(overlayRoster(roster, [t]), t)).toBe(true);
    expect(rosterAgrees(roster, pending('termination', { employeeId: 'E404' }))).toBe(false);
  });
});
