import { ADMIN_TITLE, AGENCY_DOMAINS, CEO_TITLE, DEPARTMENTS, EXECUTIVE_DEPARTMENT, FIRST_NAMES, LAST_NAMES, SERVICE_ACCOUNTS } from './catalogue.js';
import type { Company } from './model.js';
import type { Random } from './random.js';
import { DAY_MS, isoDate } from './time.js';

export type Position = 'ceo' | 'head' | 'manager' | 'ic' | 'service';

/**
 * A person while the organisation is being built (mutable: the story rewrites a few).
 * Invariants once `generatePeople` returns: every person but the CEO has a manager,
 * and every manager is an active head or manager (statuses only vary among ICs).
 */
export interface DemoPerson {
  readonly index: number;
  employeeId: string;
  first: string;
  last: string;
  email: string;
  aliases: string[];
  name: string;
  manager: DemoPerson | null;
  department: string;
  title: string;
  employmentType: 'employee' | 'contractor' | 'service';
  status: 'active' | 'leave' | 'terminated';
  /** ISO date or ''. */
  endDate: string;
  position: Position;
  /** Holds the privileged it-admin role (assigned by explicit people). */
  admin: boolean;
  /** Still holds the accounts their roles gave them (false once offboarded long ago). */
  holdsAccess: boolean;
  /** Set when a story fact uses this person, so no other fact picks them. */
  story: string | null;
}

/** How often the generic population varies from "active employee"; drawn per IC. */
export interface PopulationRates {
  readonly contractor: number;
  /** Employees with a previous-name alias (a name change). */
  readonly previousName: number;
  readonly leave: number;
  /** Terminated 30–400 days ago and already offboarded: in the roster, no accounts. */
  readonly pastLeaver: number;
  /** Terminated within the last 5 days, accounts still active: work for the planner. */
  readonly recentLeaver: number;
}

export const DEFAULT_RATES: PopulationRates = { contractor: 0.1, previousName: 0.03, leave: 0.02, pastLeaver: 0.03, recentLeaver: 0.01 };

/** Direct reports per manager; larger departments get further layers of managers. */
const SPAN = 8;

const NOT_IN_LOCAL_PART = /[^a-z0-9.-]/g;

/** Hands out unique email local parts in O(1) per claim (a counter per base name). */
export class EmailBook {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();
  constructor(readonly domain: string) {}
  reserve(address: string): void {
    this.used.add(address.toLowerCase());
  }
  claim(local: string, domain = this.domain): string {
    const base = local.toLowerCase().replace(NOT_IN_LOCAL_PART, '');
    const key = [base, '@', domain].join('');
    let n = this.next.get(key) ?? 1;
    let address = n === 1 ? key : [base, n, '@', domain].join('');
    while (this.used.has(address)) address = [base, ++n, '@', domain].join('');
    this.next.set(key, n + 1);
    this.used.add(address);
    return address;
  }
}

/** Splits `total` by shares with the largest-remainder method, so counts are exact and stable. */
export function apportion(total: number, shares: readonly number[]): number[] {
  const raw = shares.map((s) => s * total);
  const counts = raw.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  return counts;
}

/** Managers needed above `ics` people, layer by layer, each layer at most SPAN per manager. */
function layers(ics: number): number[] {
  const out: number[] = [];
  let n = ics;
  while (n > SPAN) {
    n = Math.ceil(n / SPAN);
    out.push(n);
  }
  return out;
}

/** Addresses that belong to no person (mailboxes, the break-glass and orphan accounts of the story). */
const RESERVED_LOCALS = ['breakglass', 'temp.admin', 'it-ops', 'netops', 'security', 'lockstep-admin'];

export interface Population {
  readonly people: DemoPerson[];
  /** The addresses taken so far, for emails the story adds later. */
  readonly book: EmailBook;
}

export function generatePeople(count: number, company: Company, now: Date, r: Random, rates: PopulationRates): Population {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`people must be a positive integer, got ${count}`);
  const book = new EmailBook(company.domain);
  for (const local of RESERVED_LOCALS) book.reserve(`${local}@${company.domain}`);
  const people: DemoPerson[] = [];
  const add = (position: Position, department: string, title: string, manager: DemoPerson | null): DemoPerson => {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const p: DemoPerson = {
      index: people.length,
      employeeId: '',
      first,
      last,
      email: book.claim(`${first}.${last}`),
      aliases: [],
      name: `${first} ${last}`,
      manager,
      department,
      title,
      employmentType: 'employee',
      status: 'active',
      endDate: '',
      position,
      admin: false,
      holdsAccess: true,
      story: null,
    };
    people.push(p);
    return p;
  };

  const services = count >= 20 ? Math.max(3, Math.round(count * 0.002)) : 0;
  const ceo = add('ceo', EXECUTIVE_DEPARTMENT, CEO_TITLE, null);
  const quotas = apportion(
    count - 1 - services,
    DEPARTMENTS.map((d) => d.share),
  );
  const ics: DemoPerson[] = [];
  let itHead: DemoPerson | null = null;
  let itIcs: DemoPerson[] = [];

  DEPARTMENTS.forEach((dept, d) => {
    const q = quotas[d] ?? 0;
    if (q === 0) return;
    const head = add('head', dept.name, dept.headTitle, ceo);
    // Largest IC count whose management layers still fit in the department.
    let n = Math.max(0, Math.floor(((q - 1) * (SPAN - 1)) / SPAN));
    while (n + 1 + layers(n + 1).reduce((a, b) => a + b, 0) <= q - 1) n++;
    while (n > 0 && n + layers(n).reduce((a, b) => a + b, 0) > q - 1) n--;
    const levels = layers(n);
    // Build from the top layer down so each layer reports to the one above it.
    let above: DemoPerson[] = [head];
    for (let l = levels.length - 1; l >= 0; l--) {
      const title = l === 0 ? dept.managerTitle : `${dept.name} Director`;
      const layer: DemoPerson[] = [];
      for (let i = 0; i < (levels[l] ?? 0); i++) layer.push(add('manager', dept.name, title, above[i % above.length] ?? head));
      above = layer;
    }
    // Rounding can leave a seat free: it becomes one more IC.
    const icCount = q - 1 - levels.reduce((a, b) => a + b, 0);
    const deptIcs: DemoPerson[] = [];
    for (let i = 0; i < icCount; i++) deptIcs.push(add('ic', dept.name, r.pick(dept.titles), above[i % above.length] ?? head));
    ics.push(...deptIcs);
    if (dept.name === 'IT') {
      itHead = head;
      itIcs = deptIcs;
    }
  });

  // A handful of IT staff administer the apps: the privileged it-admin role.
  const admins = Math.min(itIcs.length, Math.max(4, Math.min(12, Math.round(itIcs.length * 0.25))));
  for (const p of itIcs.slice(0, admins)) {
    p.admin = true;
    p.title = ADMIN_TITLE;
  }

  for (const p of ics) {
    if (r.chance(rates.contractor) && !p.admin) {
      p.employmentType = 'contractor';
      p.endDate = isoDate(now.getTime() + r.int(30, 365) * DAY_MS);
      p.aliases.push(book.claim(`${p.first}.${p.last}`, r.pick(AGENCY_DOMAINS)));
    } else if (r.chance(rates.previousName)) {
      p.aliases.push(book.claim(`${p.first}.${r.pick(LAST_NAMES)}`));
    }
    const roll = r.next();
    if (roll < rates.pastLeaver) {
      p.status = 'terminated';
      p.endDate = isoDate(now.getTime() - r.int(30, 400) * DAY_MS);
      p.holdsAccess = false;
    } else if (roll < rates.pastLeaver + rates.recentLeaver) {
      p.status = 'terminated';
      p.endDate = isoDate(now.getTime() - r.int(0, 5) * DAY_MS);
    } else if (roll < rates.pastLeaver + rates.recentLeaver + rates.leave) {
      p.status = 'leave';
    }
  }

  const owner: DemoPerson = itHead ?? ceo;
  for (let i = 0; i < services; i++) {
    const spec = SERVICE_ACCOUNTS[i];
    const local = spec?.local ?? `svc-job-${String(i + 1).padStart(3, '0')}`;
    const p: DemoPerson = {
      index: people.length,
      employeeId: `SVC-${String(i + 1).padStart(3, '0')}`,
      first: '',
      last: '',
      email: book.claim(local),
      aliases: [],
      name: spec?.name ?? `Scheduled job ${i + 1}`,
      manager: owner,
      department: 'IT',
      title: 'Service account',
      employmentType: 'service',
      status: 'active',
      endDate: '',
      position: 'service',
      admin: false,
      holdsAccess: true,
      story: null,
    };
    people.push(p);
  }

  // Employee ids are handed out in a shuffled order (the CEO keeps the first), so the
  // roster sorted by id interleaves departments the way a real HRIS export does.
  const humans = people.filter((p) => p.position !== 'service');
  const ids = r.shuffle(Array.from({ length: humans.length - 1 }, (_, i) => i + 1));
  humans.forEach((p, i) => {
    p.employeeId = `E${String(10001 + (i === 0 ? 0 : (ids[i - 1] ?? i)))}`;
  });
  return { people, book };
}
