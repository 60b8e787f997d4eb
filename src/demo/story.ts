import { LAST_NAMES } from './catalogue.js';
import type { Company, ProviderSpec } from './model.js';
import type { ObservedBuilder } from './observed.js';
import type { DemoPerson, EmailBook } from './people.js';
import type { Random } from './random.js';
import { DAY_MS, MINUTE_MS, daysBefore, isoDateTime } from './time.js';

/**
 * The demo story: a week at Northwind seen by the reconciler. It rewrites a few
 * people of a generated organisation (leavers, a reduction in force, a contract that
 * ended, someone on leave) and then edits the observed state (a ghost account, an
 * orphan, a break-glass account, dormant accounts, drift, exception memberships).
 *
 * Guard arithmetic for the committed demo (240 people, default seed; StoryFacts
 * carries the figures of any run, and the tests hold them to the thresholds):
 *  - the Sales group of okta (`Sales`), google (`sales@northwind.example`), entra
 *    (`SG-Sales`) and helpdesk (`Sales`) holds every Sales employee and contractor: 40
 *    accounts. The reduction in force terminates round(0.35 × 40) = 14 of them on one
 *    day, so the removals are 14/40 = 35% > 30% and the group-removal rule trips in each.
 *  - okta, google, entra and helpdesk are company-wide: 240 active accounts each. Their
 *    suspensions are the 4 leavers + 14 RIF + the ended contract = 19, 7.9% < 10%.
 *    prod-cluster (Kubernetes) holds Engineering and IT only, in bindings.
 *  - wiki leaves Sales out: 198 active accounts; 4 leavers + 1 ghost + 1 ended
 *    contract + 1 orphan + 2 dormant = 9, 4.5%. vpn (Engineering, IT, Support): 126
 *    active accounts; 3 leavers + 1 ended contract + 1 dormant = 5, 4.0%.
 *  - every other group of 10 or more loses at most 3 members (wiki `Finance
 *    Confidential`: 1 leaver + 2 drift of 21), so the Sales groups are the only violations.
 */

export const STORY_PEOPLE = 240;
export const OKTA = 'okta';
export const GOOGLE = 'google';
export const ENTRA = 'entra';
export const CLUSTER = 'prod-cluster';
export const HELPDESK = 'helpdesk';
export const WIKI = 'wiki';
export const VPN = 'vpn';
export const RIF_GROUP = 'Sales';
export const DRIFT_GROUP = 'Finance Confidential';

/** The demo's three apps: a company-wide helpdesk, a wiki without Sales, and a VPN with no API. */
export function storyProviders(company: Company): ProviderSpec[] {
  return [
    // The identity providers: everyone has an account, every department a group.
    { name: OKTA, type: 'okta' },
    { name: GOOGLE, type: 'google' },
    { name: ENTRA, type: 'entra' },
    // The production cluster: engineers and IT hold namespace and cluster role bindings.
    { name: CLUSTER, type: 'kubernetes', departments: ['Engineering', 'IT'] },
    {
      name: HELPDESK,
      type: 'scim',
      adminGroup: 'Helpdesk Admins',
      connection: {
        type: 'scim',
        baseUrl: 'http://127.0.0.1:4010/scim/v2',
        token: '${env:HELPDESK_SCIM_TOKEN}',
        owner: `it-apps@${company.domain}`,
        deactivationEndsSessions: true,
      },
    },
    {
      name: WIKI,
      type: 'scim',
      staffGroup: null,
      adminGroup: 'Wiki Admins',
      departments: ['Engineering', 'Support', 'Marketing', 'Finance', 'IT', 'People', 'Legal'],
      extraGroups: { Finance: [DRIFT_GROUP] },
      connection: {
        type: 'scim',
        baseUrl: 'http://127.0.0.1:4011/scim/v2',
        token: '${env:WIKI_SCIM_TOKEN}',
        owner: `it-apps@${company.domain}`,
        deactivationEndsSessions: true,
      },
    },
    {
      name: VPN,
      type: 'manual',
      staffGroup: null,
      adminGroup: 'VPN Admins',
      departments: ['Engineering', 'IT', 'Support'],
      connection: { type: 'manual', owner: `netops@${company.domain}`, inventory: `inventories/${VPN}.yaml` },
    },
  ];
}

export interface StoryException {
  readonly name: string;
  readonly person: DemoPerson;
  readonly provider: string;
  readonly group: string;
  readonly reason: string;
  readonly ticket: string;
  readonly approvedBy: string;
  readonly expires: string;
}

/** The people and accounts the story uses. */
export interface StoryCast {
  readonly leavers: readonly { readonly person: DemoPerson; readonly privileged: boolean; readonly ghostAlias: string | null }[];
  readonly rif: readonly DemoPerson[];
  readonly contractor: DemoPerson;
  readonly onLeave: DemoPerson;
  readonly dormant: readonly { readonly person: DemoPerson; readonly provider: string; readonly days: number }[];
  readonly drift: readonly DemoPerson[];
  readonly exception: StoryException;
  readonly expiredException: StoryException;
  readonly orphanLogin: string;
  readonly breakglassLogin: string;
}

const WIKI_DEPARTMENTS = new Set(['Engineering', 'Support', 'Marketing', 'Finance', 'IT', 'People', 'Legal']);
const VPN_DEPARTMENTS = new Set(['Engineering', 'IT', 'Support']);

export function castStory(people: readonly DemoPerson[], book: EmailBook, company: Company, now: Date, r: Random): StoryCast {
  // Only active employees who are individual contributors are cast, so every manager stays active.
  const candidates = (label: string, pred: (p: DemoPerson) => boolean): DemoPerson[] => {
    const out = people.filter((p) => p.position === 'ic' && p.story === null && p.status === 'active' && p.holdsAccess && p.employmentType !== 'service' && pred(p));
    if (out.length === 0) throw new RangeError(`the demo story needs ${label}; generate more people`);
    return out;
  };
  const pick = (label: string, pred: (p: DemoPerson) => boolean): DemoPerson => {
    const p = r.pick(candidates(label, pred));
    p.story = label;
    return p;
  };
  const terminate = (p: DemoPerson, days: number): void => {
    p.status = 'terminated';
    p.endDate = daysBefore(now, days);
  };
  // Individual leavers carry the effective time HR recorded: end of their last working day.
  const leaveAt = (p: DemoPerson, days: number): void => {
    p.status = 'terminated';
    p.endDate = isoDateTime(Date.parse(daysBefore(now, days)) + 17 * 60 * MINUTE_MS);
  };
  const employee = (p: DemoPerson): boolean => p.employmentType === 'employee';
  const itHead = people.find((p) => p.position === 'head' && p.department === 'IT');

  // Leavers, each from a department that reaches several apps, gone 1 to 6 days (17:00 UTC, 2 to 6 days back).
  const admin = pick('privileged leaver', (p) => p.admin);
  leaveAt(admin, 3);
  const ghost = pick('leaver with a ghost account', (p) => employee(p) && p.department === 'Engineering');
  leaveAt(ghost, 6);
  // A name change: the wiki account made under the previous name was never renamed.
  const previous = ghost.aliases.find((a) => a.endsWith(`@${company.domain}`)) ?? book.claim(`${ghost.first}.${r.pick(LAST_NAMES.filter((l) => l !== ghost.last))}`);
  if (!ghost.aliases.includes(previous)) ghost.aliases.push(previous);
  const support = pick('support leaver', (p) => employee(p) && p.department === 'Support');
  leaveAt(support, 5);
  const finance = pick('finance leaver', (p) => employee(p) && p.department === 'Finance');
  leaveAt(finance, 2);

  // Reduction in force: more than 30% of the Sales group on one end date.
  const salesMembers = people.filter((p) => p.department === 'Sales' && p.holdsAccess && p.employmentType !== 'service').length;
  const rifCount = Math.round(salesMembers * 0.35);
  const rifPool = r.shuffle(candidates('Sales staff for the reduction in force', (p) => employee(p) && p.department === 'Sales'));
  if (rifPool.length < rifCount) throw new RangeError('the demo story needs more Sales staff; generate more people');
  const rif = rifPool.slice(0, rifCount);
  for (const p of rif) {
    p.story = 'reduction in force';
    terminate(p, 1);
  }

  // Prefer someone who already is a contractor; convert an engineer when there is none.
  const engineers = candidates('an engineer whose contract ended', (p) => p.department === 'Engineering');
  const contractors = engineers.filter((p) => p.employmentType === 'contractor');
  const contractor = r.pick(contractors.length ? contractors : engineers);
  contractor.story = 'contract ended';
  if (contractor.employmentType !== 'contractor') {
    contractor.employmentType = 'contractor';
    contractor.aliases.push(book.claim(`${contractor.first}.${contractor.last}`, 'brightline-staffing.example'));
  }
  // HR has not marked the contractor terminated: the contract_end trigger alone catches it.
  contractor.endDate = daysBefore(now, 2);

  const onLeave = pick('person on leave', (p) => p.department === 'Marketing');
  onLeave.status = 'leave';

  const dormant = [
    { person: pick('dormant wiki account', (p) => WIKI_DEPARTMENTS.has(p.department) && !p.admin), provider: WIKI, days: r.int(120, 200) },
    { person: pick('dormant wiki account', (p) => WIKI_DEPARTMENTS.has(p.department) && !p.admin), provider: WIKI, days: r.int(120, 200) },
    { person: pick('dormant vpn account', (p) => VPN_DEPARTMENTS.has(p.department) && !p.admin), provider: VPN, days: r.int(120, 200) },
  ];

  const outsideFinance = (p: DemoPerson): boolean => ['Engineering', 'Marketing', 'Support'].includes(p.department) && !p.admin;
  const drift = [pick('drift member', outsideFinance), pick('drift member', outsideFinance)];

  const approvedBy = itHead?.email ?? `security@${company.domain}`;
  const slugOf = (p: DemoPerson): string => p.email.split('@')[0]!.replace(/\./g, '-');
  const kept = pick('exception holder', (p) => p.department === 'Marketing');
  const exception: StoryException = {
    name: `${slugOf(kept)}-wiki-engineering`,
    person: kept,
    provider: WIKI,
    group: 'Engineering',
    reason: 'Writing the launch runbooks with the platform team until the release ships',
    ticket: 'SEC-2291',
    approvedBy,
    expires: daysBefore(now, -10),
  };
  const lapsed = pick('expired exception holder', (p) => p.department === 'Support');
  const expiredException: StoryException = {
    name: `${slugOf(lapsed)}-wiki-legal`,
    person: lapsed,
    provider: WIKI,
    group: 'Legal',
    reason: 'Reviewing support terms for the enterprise contract renewal',
    ticket: 'SEC-2207',
    approvedBy,
    expires: daysBefore(now, 3),
  };

  return {
    leavers: [
      { person: admin, privileged: true, ghostAlias: null },
      { person: ghost, privileged: false, ghostAlias: previous },
      { person: support, privileged: false, ghostAlias: null },
      { person: finance, privileged: false, ghostAlias: null },
    ],
    rif,
    contractor,
    onLeave,
    dormant,
    drift,
    exception,
    expiredException,
    orphanLogin: `temp.admin@${company.domain}`,
    breakglassLogin: `breakglass@${company.domain}`,
  };
}

/** Puts the story's deviations into the observed state, after every person's accounts exist. */
export function injectStory(builders: ReadonlyMap<string, ObservedBuilder>, cast: StoryCast, company: Company, now: Date): void {
  const app = (name: string): ObservedBuilder => {
    const b = builders.get(name);
    if (!b) throw new RangeError(`the demo story needs a provider named ${name}`);
    return b;
  };
  const helpdesk = app(HELPDESK);
  const wiki = app(WIKI);
  app(VPN);
  const allStaff = (b: ObservedBuilder): string => b.provider.unmanagedGroups[0] ?? 'All Staff';
  const deptGroup = (b: ObservedBuilder, d: string): string => b.provider.style.departmentGroup(d, company);

  const leaver = cast.leavers.find((l) => l.ghostAlias !== null);
  if (leaver?.ghostAlias) {
    const ghost = wiki.addAccount(leaver.ghostAlias, {
      lastLoginAt: wiki.ago(55, 70),
      createdAt: wiki.agoHours(900, 1500),
      externalId: null,
      displayName: `${leaver.person.first} ${leaver.ghostAlias.split('@')[0]!.split('.')[1] ?? ''}`.trim(),
    });
    wiki.join(deptGroup(wiki, leaver.person.department), ghost);
    wiki.join(allStaff(wiki), ghost);
  }

  // Made for a migration weekend and never removed: admin rights, no owner.
  const orphan = wiki.addAccount(cast.orphanLogin, { lastLoginAt: wiki.ago(10, 14), createdAt: wiki.agoHours(35, 45), externalId: null, displayName: 'Temp Admin' });
  wiki.join(wiki.provider.adminGroup, orphan);
  wiki.join(allStaff(wiki), orphan);

  // Break-glass: no person behind it on purpose, tested each quarter, protected in Config.
  for (const b of [helpdesk, wiki]) {
    const bg = b.addAccount(cast.breakglassLogin, { lastLoginAt: b.ago(40, 50), createdAt: b.agoHours(700, 900), externalId: null, displayName: 'Break Glass' });
    b.join(b.provider.adminGroup, bg);
  }

  for (const d of cast.dormant) {
    const account = app(d.provider).account(d.person.email);
    if (!account) throw new RangeError(`the dormant account of ${d.person.email} is missing in ${d.provider}`);
    account.lastLoginAt = isoDateTime(now.getTime() - d.days * DAY_MS - 7 * 60 * MINUTE_MS);
  }

  for (const p of cast.drift) wiki.join(DRIFT_GROUP, mustHave(wiki, p));
  for (const e of [cast.exception, cast.expiredException]) app(e.provider).join(e.group, mustHave(app(e.provider), e.person));
}

function mustHave(b: ObservedBuilder, p: DemoPerson) {
  const account = b.account(p.email);
  if (!account) throw new RangeError(`${p.email} has no account in ${b.provider.name}`);
  return account;
}
