import { makePerson, type Person, type Roster } from './model.js';
import type { HrEvent } from '../types/index.js';

/** An accepted HR event waiting for the roster to say the same. */
export interface PendingEvent {
  readonly event: HrEvent;
  /** When the controller received it (epoch ms): the start of MTTRevoke. */
  readonly receivedAt: number;
  readonly effectiveAtMs: number;
}

/** Whether an event asks for the person to be contained now. */
export function containsNow(p: PendingEvent, nowMs: number): boolean {
  return p.event.type === 'termination' || (p.event.type === 'contract_end' && p.effectiveAtMs <= nowMs);
}

/**
 * The roster person an event names: by employee id first, else by primary email or
 * alias (case-insensitive). Undefined when the roster does not know them.
 */
export function personOf(people: readonly Person[], ref: HrEvent['person']): Person | undefined {
  if (ref.employeeId !== undefined) {
    const byId = people.find((p) => p.employeeId === ref.employeeId);
    if (byId) return byId;
  }
  if (ref.email === undefined) return undefined;
  const email = ref.email.toLowerCase();
  return people.find((p) => p.key === email || p.aliases.some((a) => a.toLowerCase() === email));
}

/** The roster as it will read once HR catches up with one event. */
function applyEvent(person: Person, p: PendingEvent): Person {
  const { key: _key, lower: _lower, ...fields } = person;
  const endDate = p.event.effectiveAt;
  switch (p.event.type) {
    case 'termination':
      return makePerson({ ...fields, status: 'terminated', endDate, endAt: p.effectiveAtMs });
    case 'contract_end':
      return makePerson({ ...fields, employmentType: 'contractor', endDate, endAt: p.effectiveAtMs });
    case 'leave':
      return makePerson({ ...fields, status: 'leave' });
    case 'rehire':
      return makePerson({ ...fields, status: 'active', endDate: null, endAt: null });
  }
}

/**
 * The roster with pending HR events laid over it, later events over earlier ones (pure).
 * The digest is kept: it names the roster file the plan read.
 */
export function overlayRoster(roster: Roster, pending: Iterable<PendingEvent>): Roster {
  const people = [...roster.people];
  for (const p of pending) {
    const i = people.findIndex((x) => x === personOf(people, p.event.person));
    if (i !== -1) people[i] = applyEvent(people[i]!, p);
  }
  // Events change status and dates, never who someone is, so the identity index still holds
  // for the new list.
  return { ...roster, people, identities: roster.identities && { ...roster.identities, people } };
}

/** Whether the roster already says what the event says, so the overlay can be dropped. */
export function rosterAgrees(roster: Roster, p: PendingEvent): boolean {
  const person = personOf(roster.people, p.event.person);
  if (!person) return false;
  switch (p.event.type) {
    case 'termination':
      return person.status === 'terminated' || (person.endAt !== null && person.endAt <= p.effectiveAtMs && person.employmentType !== 'contractor');
    case 'contract_end':
      return person.employmentType === 'contractor' && person.endAt !== null && person.endAt <= p.effectiveAtMs;
    case 'leave':
      return person.status === 'leave';
    case 'rehire':
      return person.status === 'active' && person.endAt === null;
  }
}

/** An HR event as the state store keeps it (see StoredHrEvent), for laying over a roster. */
export function pendingOf(stored: { event: HrEvent; receivedAt: number }): PendingEvent {
  return { event: stored.event, receivedAt: stored.receivedAt, effectiveAtMs: Date.parse(stored.event.effectiveAt) };
}

/** Standing HR events against a roster: those laid over it, and those that no longer stand, with why. */
export interface HrOverlay {
  roster: Roster;
  laid: PendingEvent[];
  resolved: { id: string; resolution: string }[];
}

/**
 * Lays the standing HR events (in the order received) over the roster (pure). An event
 * stops standing when the roster says the same, or when a later event about the same
 * person overrides it (a rehire after a termination); an event about nobody the roster
 * knows still stands, so it applies once HR adds the person.
 */
export function overlayStanding(roster: Roster, standing: readonly PendingEvent[]): HrOverlay {
  const resolved: HrOverlay['resolved'] = [];
  const latest = new Map<string, string>();
  for (const p of standing) {
    const person = personOf(roster.people, p.event.person);
    if (person) latest.set(person.key, p.event.id);
  }
  const laid: PendingEvent[] = [];
  for (const p of standing) {
    const person = personOf(roster.people, p.event.person);
    const last = person ? latest.get(person.key) : undefined;
    if (last !== undefined && last !== p.event.id) resolved.push({ id: p.event.id, resolution: `overridden by HR event ${last}` });
    else if (rosterAgrees(roster, p)) resolved.push({ id: p.event.id, resolution: 'the roster says the same' });
    else laid.push(p);
  }
  return { roster: laid.length ? overlayRoster(roster, laid) : roster, laid, resolved };
}
