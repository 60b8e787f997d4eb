import type {
  ApprovalDocument,
  ConfigDocument,
  ExceptionDocument,
  LifecycleRuleDocument,
  LifecycleStage,
  RoleAssignmentDocument,
  RoleProfileDocument,
} from '../types/index.js';
import type { Company, DemoDocument, StoryFacts } from './model.js';
import type { ResolvedProvider } from './provider-styles.js';
import type { RoleModel } from './roles.js';
import { HELPDESK, type StoryCast, type StoryException } from './story.js';
import { daysBefore } from './time.js';

const API_VERSION = 'lockstep.dev/v1';

/** The generated type of a schema `date` (an ISO date string). */
type PolicyDate = ExceptionDocument['spec']['expires'];
const policyDate = (iso: string): PolicyDate => iso;

/** metadata.name of the Config: the company name as a slug (`Northwind` → `northwind`). */
export const configName = (company: Company): string => company.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/**
 * The organisation's policy as documents, in the order they are written: Config,
 * RoleProfiles, RoleAssignments, LifecycleRules, Exceptions.
 */
export function buildDocuments(company: Company, roles: RoleModel, providers: readonly ResolvedProvider[], cast: StoryCast | null): DemoDocument[] {
  return [
    buildConfig(company, providers, cast),
    ...roleProfiles(roles),
    ...roleAssignments(roles),
    ...lifecycleRules(),
    ...(cast ? [cast.exception, cast.expiredException].map(exception) : []),
  ];
}

function buildConfig(company: Company, providers: readonly ResolvedProvider[], cast: StoryCast | null): ConfigDocument {
  const spec: ConfigDocument['spec'] = {
    people: { file: 'people.csv' },
    domains: [company.domain],
    providers: Object.fromEntries(providers.map((p) => [p.name, p.connection])),
    guard: { maxGroupRemovalFraction: 0.3, minGroupSize: 10, maxSuspendFraction: 0.1 },
  };
  if (cast) {
    const helpdesk = providers.find((p) => p.name === HELPDESK);
    if (helpdesk) spec.minMembers = [{ provider: helpdesk.name, group: helpdesk.adminGroup, count: 2 }];
    spec.protected = [{ provider: '*', login: cast.breakglassLogin, reason: 'Break-glass administrator; sealed credentials in the office safe' }];
  }
  return { apiVersion: API_VERSION, kind: 'Config', metadata: { name: configName(company) }, spec };
}

function roleProfiles(roles: RoleModel): RoleProfileDocument[] {
  return roles.roles.map((r) => ({
    apiVersion: API_VERSION,
    kind: 'RoleProfile',
    metadata: { name: r.name },
    spec: { description: r.description, tier: r.tier, owner: r.owner, grants: r.grants.map((g) => ({ ...g })) },
  }));
}

function roleAssignments(roles: RoleModel): RoleAssignmentDocument[] {
  return roles.roles.map((r) => {
    const spec: RoleAssignmentDocument['spec'] = { roles: [r.name] };
    if (r.assignment.select) spec.select = { ...r.assignment.select };
    if (r.assignment.people) spec.people = [...r.assignment.people];
    return { apiVersion: API_VERSION, kind: 'RoleAssignment', metadata: { name: r.assignment.name }, spec };
  });
}

/** Suspend first (reversible), then hand work over, and delete only after retention. */
const CONTAINMENT: LifecycleStage[] = [
  { after: '0h', actions: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups'] },
  { after: '7d', actions: ['transfer_ownership'] },
  { after: '30d', actions: ['delete'], approval: 'privileged' },
];

function rule(name: string, spec: LifecycleRuleDocument['spec']): LifecycleRuleDocument {
  return { apiVersion: API_VERSION, kind: 'LifecycleRule', metadata: { name }, spec };
}

function lifecycleRules(): LifecycleRuleDocument[] {
  const stages = (): LifecycleRuleDocument['spec']['stages'] => CONTAINMENT.map((s) => ({ ...s, actions: [...s.actions] })) as LifecycleRuleDocument['spec']['stages'];
  return [
    rule('leaver', { trigger: 'terminated', appliesTo: { employmentType: ['employee', 'contractor'] }, stages: stages() }),
    rule('contractor-end', { trigger: 'contract_end', appliesTo: { employmentType: 'contractor' }, stages: stages() }),
    rule('dormant', {
      trigger: 'inactive',
      inactiveDays: 90,
      stages: [
        { after: '0h', actions: ['flag'] },
        { after: '14d', actions: ['suspend'] },
      ],
    }),
    rule('orphan', {
      trigger: 'orphan',
      stages: [
        { after: '0h', actions: ['suspend'] },
        { after: '30d', actions: ['delete'] },
      ],
    }),
    rule('leave', { trigger: 'leave', stages: [{ after: '0h', actions: ['revoke_sessions'] }] }),
  ];
}

function exception(e: StoryException): ExceptionDocument {
  return {
    apiVersion: API_VERSION,
    kind: 'Exception',
    metadata: { name: e.name },
    spec: {
      person: e.person.email,
      grants: [{ provider: e.provider, group: e.group }],
      reason: e.reason,
      approvedBy: e.approvedBy,
      ticket: e.ticket,
      expires: policyDate(e.expires),
    },
  };
}

/**
 * The Approvals a reviewer merges to let the story's reduction in force through the
 * guard, one per group it trips. Not part of the committed policy: the demo adds them
 * after the guard halts.
 */
export function rifApprovals(facts: StoryFacts, now: Date): ApprovalDocument[] {
  return facts.rif.groups.map(({ provider, group }) => ({
    apiVersion: API_VERSION,
    kind: 'Approval',
    metadata: { name: `rif-sales-${provider}` },
    spec: {
      scope: { provider, group },
      allowRemovals: facts.rif.people.length,
      expires: policyDate(daysBefore(now, -7)),
      reason: `Sales reduction in force effective ${facts.rif.endDate} (HR-4471)`,
      ticket: 'HR-4471',
    },
  }));
}
