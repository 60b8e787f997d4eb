import type { ObservedAccount, ObservedProvider, ProviderType, Snapshot } from '../types/index.js';
import type { AccountFact, Company, ExceptionFact, StoryFacts, SuspensionFact } from './model.js';
import type { DemoPerson } from './people.js';
import { PROVIDER_STYLES } from './provider-styles.js';
import { DRIFT_GROUP, RIF_GROUP, WIKI, type StoryCast, type StoryException } from './story.js';
import { DAY_MS, isoDateTime } from './time.js';

/** The dormant rule of the story's policy: flag after 90 days, suspend 14 days later. */
export const DORMANT_SUSPEND_DAYS = 90 + 14;

/**
 * Reads the facts back from the finished roster and snapshot rather than from the
 * cast alone, so a fact that the data does not bear out shows up as a wrong number.
 */
export function storyFacts(
  cast: StoryCast,
  people: readonly DemoPerson[],
  snapshot: Snapshot,
  company: Company,
  protectedLogins: ReadonlySet<string>,
  now: Date,
): StoryFacts {
  const providers = Object.entries(snapshot.providers);
  const accountsOf = (login: string): AccountFact[] =>
    providers.flatMap(([name, p]) => (p.accounts.some((a) => a.status === 'active' && same(a.login, login)) ? [{ provider: name, login }] : []));
  const providersOf = (p: DemoPerson): string[] => accountsOf(p.email).map((a) => a.provider);
  const groupsOf = (provider: string, login: string): string[] => {
    const p = snapshot.providers[provider];
    const id = p?.accounts.find((a) => same(a.login, login))?.id;
    return p && id ? p.groups.filter((g) => g.members.includes(id)).map((g) => g.name) : [];
  };

  const leavers = cast.leavers.map(({ person, privileged }) => ({
    email: person.email,
    name: person.name,
    department: person.department,
    endDate: person.endDate,
    privileged,
    providers: providersOf(person),
    aliasAccounts: person.aliases.flatMap(accountsOf),
  }));
  const ghostLeaver = cast.leavers.find((l) => l.ghostAlias !== null);
  const privileged = cast.leavers.find((l) => l.privileged);
  if (!ghostLeaver?.ghostAlias || !privileged) throw new Error('the demo story lost its ghost or privileged leaver');

  const rifLogins = new Set(cast.rif.map((p) => p.email.toLowerCase()));
  const rifGroups = providers.flatMap(([provider, p]) => {
    const name = PROVIDER_STYLES[p.type as ProviderType]?.departmentGroup(RIF_GROUP, company);
    const group = p.groups.find((g) => g.name === name);
    if (!group || group.members.length === 0) return [];
    const loginOf = new Map(p.accounts.map((a) => [a.id, a.login.toLowerCase()]));
    const leaving = group.members.filter((id) => rifLogins.has(loginOf.get(id) ?? '')).length;
    return [{ provider, group: group.name, members: group.members.length, fraction: leaving / group.members.length }];
  });

  return {
    now: isoDateTime(now.getTime()),
    company,
    people: people.length,
    leavers,
    ghost: { person: ghostLeaver.person.email, alias: ghostLeaver.ghostAlias, provider: WIKI },
    privilegedLeaver: privileged.person.email,
    orphan: { provider: WIKI, login: cast.orphanLogin, groups: groupsOf(WIKI, cast.orphanLogin) },
    breakglass: {
      login: cast.breakglassLogin,
      providers: accountsOf(cast.breakglassLogin).map((a) => a.provider),
      groups: accountsOf(cast.breakglassLogin).flatMap((a) => groupsOf(a.provider, a.login).map((group) => ({ provider: a.provider, group }))),
    },
    dormant: cast.dormant.map((d) => {
      const account = snapshot.providers[d.provider]?.accounts.find((a) => same(a.login, d.person.email));
      return { provider: d.provider, login: d.person.email, person: d.person.email, lastLoginAt: account?.lastLoginAt ?? '', days: d.days };
    }),
    drift: { provider: WIKI, group: DRIFT_GROUP, members: cast.drift.map((p) => p.email) },
    exception: exceptionFact(cast.exception),
    expiredException: exceptionFact(cast.expiredException),
    rif: {
      endDate: cast.rif[0]?.endDate ?? '',
      people: cast.rif.map((p) => p.email),
      groups: rifGroups,
    },
    contractorEnd: { person: cast.contractor.email, endDate: cast.contractor.endDate, providers: providersOf(cast.contractor) },
    onLeave: { person: cast.onLeave.email },
    suspensions: Object.fromEntries(providers.map(([name, p]) => [name, suspensions(p, people, company, protectedLogins, now)])),
  };
}

function exceptionFact(e: StoryException): ExceptionFact {
  return { name: e.name, person: e.person.email, provider: e.provider, group: e.group, expires: e.expires };
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The accounts the story's lifecycle rules suspend at `now`: leavers and ended
 * contracts (matched by email or alias), orphans in the company domain, and accounts
 * past the dormant rule's suspend stage. Protected accounts are never suspended.
 */
export function suspensions(
  provider: ObservedProvider,
  people: readonly DemoPerson[],
  company: Company,
  protectedLogins: ReadonlySet<string>,
  now: Date,
): SuspensionFact {
  const byEmail = new Map<string, DemoPerson>();
  for (const p of people) for (const e of [p.email, ...p.aliases]) byEmail.set(e.toLowerCase(), p);
  const ended = (p: DemoPerson): boolean => p.endDate !== '' && Date.parse(p.endDate) <= now.getTime();
  const suspended = (a: ObservedAccount): boolean => {
    if (protectedLogins.has(a.login.toLowerCase())) return false;
    const p = byEmail.get(a.login.toLowerCase());
    if (!p) return a.login.toLowerCase().endsWith(`@${company.domain}`);
    if ((p.status === 'terminated' || p.employmentType === 'contractor') && ended(p)) return true;
    return !!a.lastLoginAt && now.getTime() - Date.parse(a.lastLoginAt) > DORMANT_SUSPEND_DAYS * DAY_MS;
  };
  const active = provider.accounts.filter((a) => a.status === 'active');
  const logins = active.filter(suspended).map((a) => a.login);
  return { logins, activeAccounts: active.length, fraction: active.length ? logins.length / active.length : 0 };
}
