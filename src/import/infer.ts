import type { ConfigDocument, LifecycleRuleDocument, LifecycleStage, PersonSelector, RoleAssignmentDocument, RoleProfileDocument, Tier } from '../types/index.js';
import { buildPopulation, coverMembers, type MemberCover } from './cover.js';
import { entitledAt, sortGroupMembers, type GroupMembers, type GroupsInput, type SkipReason, type UnmatchedAccount } from './groups.js';
import { NameBook, roleName, selectorName, slug } from './names.js';

const API_VERSION = 'lockstep.dev/v1';

/** Group names that say the group holds administrative power: its role is written `privileged`. */
const PRIVILEGED_NAME = /admin|owner|root|superuser|privileged/i;

export interface ImportInput extends GroupsInput {
  /** File name the written Config gives the roster (the roster is copied beside the policy). */
  readonly rosterFile: string;
  /** Whether that copy is the Config's own roster; one given instead (`--people`) is read by its extension. */
  readonly keepRosterFormat?: boolean | undefined;
}

/** A group the import turned into a role, and how its members are explained. */
export interface ImportedGroup {
  readonly provider: string;
  readonly group: string;
  readonly role: string;
  readonly members: number;
  readonly bySelector: number;
  /** Members listed by name (primary roster emails). */
  readonly explicit: readonly string[];
  /** Members the roster no longer entitles: the leaver rules remove them. */
  readonly leavers: number;
  /** Orphan accounts in it: the plan removes them. */
  readonly orphans: number;
}

export interface SkippedGroup {
  readonly provider: string;
  readonly group: string;
  readonly accounts: number;
  readonly reason: SkipReason;
}

/** What an import could not explain by roster attributes, for the report. */
export type { UnmatchedAccount };

export interface ImportFindings {
  readonly imported: readonly ImportedGroup[];
  readonly skipped: readonly SkippedGroup[];
  /** Accounts of the imported providers that match no person: orphans first, then by provider and login. */
  readonly unmatched: readonly UnmatchedAccount[];
  /** Per person (primary email), the roles they hold only because they are listed by name. */
  readonly explicitOnly: ReadonlyMap<string, readonly string[]>;
  /** People the roster no longer entitles who still hold an imported group. */
  readonly leavers: readonly string[];
  readonly people: number;
  readonly entitled: number;
}

export interface ImportResult {
  readonly config: ConfigDocument;
  readonly roles: readonly RoleProfileDocument[];
  readonly assignments: readonly RoleAssignmentDocument[];
  readonly lifecycleRules: readonly LifecycleRuleDocument[];
  readonly findings: ImportFindings;
}

/**
 * A starting policy that reproduces today's access: one RoleProfile per group worth
 * managing (see SkipReason), RoleAssignments by the selectors that explain each group's
 * members exactly (coverMembers) with the rest listed by name, the leaver rules, and the
 * Config kept. Assignments are shared: one per selector, and one per list of people,
 * each giving every role it explains. Pure: the same input gives the same documents.
 */
export function inferPolicy(input: ImportInput): ImportResult {
  const nowMs = input.now.getTime();
  const people = input.people;
  const entitled = people.map((p) => entitledAt(p, nowMs));
  const population = buildPopulation(people, (position) => entitled[position]!);
  const { groups, unmatched } = sortGroupMembers(input);
  const domains = (input.config.spec.domains ?? []).map((d) => d.toLowerCase());

  const roleNames = new NameBook();
  const roles: RoleProfileDocument[] = [];
  const imported: ImportedGroup[] = [];
  const skipped: SkippedGroup[] = [];
  const bySelector = new Map<string, { selector: PersonSelector; roles: string[] }>();
  const byList = new Map<string, { people: string[]; roles: string[] }>();
  const explicitOnly = new Map<string, string[]>();
  const leavers = new Set<number>();

  for (const g of groups) {
    if (g.skip) {
      skipped.push({ provider: g.provider, group: g.group.name, accounts: g.group.members.length, reason: g.skip });
      continue;
    }
    const role = roleNames.claim(roleName(g.provider, g.group.name, domains));
    const tier = PRIVILEGED_NAME.test(g.group.name) ? 'privileged' : 'standard';
    // Privileged access is given by name, never by a roster attribute an HR edit could change.
    const cover = tier === 'privileged' ? byName(g.members) : coverMembers(population, g.members);
    roles.push(roleProfile(role, tier, g, cover));
    for (const selector of cover.selectors) {
      const key = JSON.stringify(selector);
      const entry = bySelector.get(key) ?? { selector, roles: [] };
      entry.roles.push(role);
      bySelector.set(key, entry);
    }
    const listed = cover.explicit.map((position) => people[position]!.email).sort(compare);
    if (listed.length > 0) {
      const key = listed.join('\n');
      const entry = byList.get(key) ?? { people: listed, roles: [] };
      entry.roles.push(role);
      byList.set(key, entry);
      for (const email of listed) {
        const roles = explicitOnly.get(email);
        if (roles) roles.push(role);
        else explicitOnly.set(email, [role]);
      }
    }
    for (const position of g.leavers) leavers.add(position);
    imported.push({
      provider: g.provider,
      group: g.group.name,
      role,
      members: g.members.length,
      bySelector: cover.covered,
      explicit: listed,
      leavers: g.leavers.length,
      orphans: g.orphans.length,
    });
  }

  return {
    config: importedConfig(input.config, input.rosterFile, input.keepRosterFormat ?? true),
    roles,
    assignments: assignments(bySelector, byList),
    lifecycleRules: leaverRules(),
    findings: {
      imported,
      skipped,
      unmatched: [...unmatched].sort((a, b) => Number(b.orphan) - Number(a.orphan) || compare(a.provider, b.provider) || compare(a.login, b.login)),
      explicitOnly,
      leavers: [...leavers].map((position) => people[position]!.email).sort(compare),
      people: people.length,
      entitled: entitled.filter(Boolean).length,
    },
  };
}

function byName(members: readonly number[]): MemberCover {
  return { selectors: [], explicit: members, covered: 0 };
}

function roleProfile(name: string, tier: Tier, g: GroupMembers, cover: MemberCover): RoleProfileDocument {
  const listed = cover.explicit.length;
  const how = listed === 0 ? 'all by selector' : cover.covered === 0 ? 'all listed by name' : `${cover.covered} by selector, ${listed} listed by name`;
  return {
    apiVersion: API_VERSION,
    kind: 'RoleProfile',
    metadata: { name },
    spec: {
      description: `Imported from ${g.provider} group "${g.group.name}": ${g.members.length} member${g.members.length === 1 ? '' : 's'}, ${how}`,
      tier,
      grants: [{ provider: g.provider, group: g.group.name }],
    },
  };
}

/** One assignment per selector and one per list of people, named after what they select, in name order. */
function assignments(
  bySelector: ReadonlyMap<string, { selector: PersonSelector; roles: string[] }>,
  byList: ReadonlyMap<string, { people: string[]; roles: string[] }>,
): RoleAssignmentDocument[] {
  const names = new NameBook();
  const out: RoleAssignmentDocument[] = [];
  const doc = (name: string, spec: RoleAssignmentDocument['spec']): RoleAssignmentDocument => ({
    apiVersion: API_VERSION,
    kind: 'RoleAssignment',
    metadata: { name },
    spec,
  });
  const selectors = [...bySelector.values()].map((s) => ({ ...s, name: selectorName(s.selector) })).sort((a, b) => compare(a.name, b.name));
  for (const s of selectors) out.push(doc(names.claim(s.name), { roles: [...s.roles].sort(compare) as [string, ...string[]], select: s.selector }));
  const lists = [...byList.values()].map((l) => ({ ...l, roles: [...l.roles].sort(compare) })).sort((a, b) => compare(a.roles[0]!, b.roles[0]!));
  for (const l of lists) out.push(doc(names.claim(`people.${slug(l.roles[0]!)}`), { roles: l.roles as [string, ...string[]], people: l.people }));
  return out;
}

/** The Config as it was, with the roster named as it is written beside the policy. */
function importedConfig(config: ConfigDocument, rosterFile: string, keepFormat: boolean): ConfigDocument {
  const { format, ...rest } = config.spec.people;
  const people: ConfigDocument['spec']['people'] = { ...rest, file: rosterFile, ...(keepFormat && format ? { format } : {}) };
  return { ...config, spec: { ...config.spec, people } };
}

/**
 * Containment at once, ownership to the manager after a week, deletion after 30 days
 * (approved for privileged access): for leavers of every kind, and for contractors at
 * their contract's end. Dormancy, orphan and leave rules are left for a person to choose.
 */
function leaverRules(): LifecycleRuleDocument[] {
  const stages = (): [LifecycleStage, ...LifecycleStage[]] => [
    { after: '0h', actions: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups'] },
    { after: '7d', actions: ['transfer_ownership'] },
    { after: '30d', actions: ['delete'], approval: 'privileged' },
  ];
  const rule = (name: string, spec: LifecycleRuleDocument['spec']): LifecycleRuleDocument => ({
    apiVersion: API_VERSION,
    kind: 'LifecycleRule',
    metadata: { name },
    spec,
  });
  return [
    rule('leaver', { trigger: 'terminated', stages: stages() }),
    rule('contractor-end', { trigger: 'contract_end', appliesTo: { employmentType: 'contractor' }, stages: stages() }),
  ];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
