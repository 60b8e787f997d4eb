import type { Located, Policy } from '../../src/policy/model.js';
import { makePerson, type Person, type Roster } from '../../src/roster/model.js';
import type {
  AccessReviewDocument,
  ApprovalDocument,
  ConfigDocument,
  ExceptionDocument,
  LifecycleRuleDocument,
  ObservedAccount,
  Plan,
  RoleAssignmentDocument,
  RoleProfileDocument,
  Snapshot,
} from '../../src/types/index.js';
import { assemblePlan } from '../../src/run/assemble-plan.js';
import { planningProviders } from '../../src/run/planning.js';
import { EMPTY_HISTORY, type JournalHistory } from '../../src/journal/history.js';
import { parseInstant } from '../../src/policy/time.js';

type Spec<T extends { spec: unknown }> = T['spec'];

/** An in-memory Located: every path points at the document's line in a virtual file. */
function located<T>(doc: T, file: string, line: number): Located<T> {
  return { doc, at: { file, line, col: 1 }, locate: () => ({ file, line, col: 1 }) };
}

export interface PersonInput {
  email: string;
  employeeId?: string;
  status?: Person['status'];
  endDate?: string;
  department?: string;
  title?: string;
  employmentType?: Person['employmentType'];
  aliases?: string[];
  manager?: string;
  /** The roster's name column; the email's local part unless given. */
  name?: string;
  org?: string;
}

/**
 * Builds a world (policy, roster, observed state) in memory for planning tests:
 * aWorld().withProvider('okta', 'okta').withPerson({ email }).withAccount('okta', { login })...
 * Named documents are kept once by name: a second withAssignment('sales', ...) replaces
 * the first, as an edit of the policy would. End-to-end tests write the same world as a
 * policy folder (test/support/policy-folder.ts) and seed emulators with its snapshot.
 */
export class World {
  config: ConfigDocument = {
    apiVersion: 'lockstep.dev/v1',
    kind: 'Config',
    metadata: { name: 'acme' },
    spec: { people: { file: 'people.csv' }, domains: ['acme.com'], providers: {} },
  };
  roles = new Map<string, RoleProfileDocument>();
  assignments: RoleAssignmentDocument[] = [];
  rules: LifecycleRuleDocument[] = [];
  exceptions: ExceptionDocument[] = [];
  approvals: ApprovalDocument[] = [];
  reviews: AccessReviewDocument[] = [];
  people: Person[] = [];
  /** What withPerson was given for each of `people`. */
  private rows: PersonInput[] = [];
  snapshot: Snapshot;
  private nextId = 1;

  constructor(readonly now: string) {
    this.snapshot = { formatVersion: '1.0', observedAt: now, providers: {} };
  }

  withProvider(name: string, type: string, extra: Record<string, unknown> = {}): this {
    this.config.spec.providers[name] = { type, ...extra } as never;
    this.snapshot.providers[name] = { type, accounts: [], groups: [] };
    return this;
  }

  /** More settings for a provider's connection (an emulator's URL, once it is started from the snapshot). */
  withConnection(name: string, settings: Record<string, unknown>): this {
    const connection = this.config.spec.providers[name];
    if (!connection) throw new Error(`no provider ${name}`);
    Object.assign(connection, settings);
    return this;
  }

  withPerson(p: PersonInput): this {
    this.rows.push(p);
    this.people.push(this.person(p, this.people.length));
    return this;
  }

  /** The roster row of `email` changed as HR would change it (a leaver: `{ status: 'terminated', endDate }`); the row keeps its place. */
  withPersonChanged(email: string, change: Partial<Omit<PersonInput, 'email'>>): this {
    const i = this.rows.findIndex((p) => p.email === email);
    if (i < 0) throw new Error(`no person ${email}`);
    this.rows[i] = { ...this.rows[i]!, ...change };
    this.people[i] = this.person(this.rows[i], i);
    return this;
  }

  private person(p: PersonInput, index: number): Person {
    const endDate = p.endDate ?? null;
    return makePerson({
      employeeId: p.employeeId ?? `E${index + 100}`,
      email: p.email,
      aliases: p.aliases ?? [],
      name: p.name ?? p.email.split('@')[0]!,
      managerEmail: p.manager ?? null,
      department: p.department ?? 'Engineering',
      title: p.title ?? 'Engineer',
      employmentType: p.employmentType ?? 'employee',
      status: p.status ?? (endDate ? 'terminated' : 'active'),
      endDate,
      endAt: endDate ? parseInstant(endDate) : null,
      org: p.org ?? 'acme',
      at: { file: 'people.csv', line: index + 2, col: 1 },
    });
  }

  withAccount(provider: string, a: Partial<ObservedAccount> & { login: string }): this {
    this.snapshot.providers[provider]!.accounts.push({
      id: a.id ?? `${provider}-u${this.nextId++}`,
      status: 'active',
      emails: [a.login],
      lastLoginAt: '2026-11-20T10:00:00Z',
      ...a,
    });
    return this;
  }

  /** Members are given by login. */
  withGroup(provider: string, name: string, memberLogins: string[] = [], opts: { id?: string } = {}): this {
    const p = this.snapshot.providers[provider]!;
    const members = memberLogins.map((login) => {
      const acct = p.accounts.find((a) => a.login === login);
      if (!acct) throw new Error(`no account ${login} in ${provider}`);
      return acct.id;
    });
    p.groups.push({ id: opts.id ?? `${provider}-g${this.nextId++}`, name, members });
    return this;
  }

  withRole(name: string, grants: Array<[string, string]>, tier: 'standard' | 'privileged' = 'standard'): this {
    this.roles.set(name, {
      apiVersion: 'lockstep.dev/v1',
      kind: 'RoleProfile',
      metadata: { name },
      spec: { tier, grants: grants.map(([provider, group]) => ({ provider, group })) },
    });
    return this;
  }

  withAssignment(name: string, spec: Spec<RoleAssignmentDocument>): this {
    keep(this.assignments, { apiVersion: 'lockstep.dev/v1', kind: 'RoleAssignment', metadata: { name }, spec });
    return this;
  }

  withRule(name: string, spec: Spec<LifecycleRuleDocument>): this {
    keep(this.rules, { apiVersion: 'lockstep.dev/v1', kind: 'LifecycleRule', metadata: { name }, spec });
    return this;
  }

  /** The SPEC's leaver rule. */
  withLeaverRule(): this {
    return this.withRule('leaver', {
      trigger: 'terminated',
      stages: [
        { after: '0h', actions: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'remove_all_groups'] },
        { after: '7d', actions: ['transfer_ownership'] },
        { after: '30d', actions: ['delete'], approval: 'privileged' },
      ],
    });
  }

  withException(name: string, spec: Spec<ExceptionDocument>): this {
    keep(this.exceptions, { apiVersion: 'lockstep.dev/v1', kind: 'Exception', metadata: { name }, spec });
    return this;
  }

  withReview(name: string, spec: Spec<AccessReviewDocument>): this {
    keep(this.reviews, { apiVersion: 'lockstep.dev/v1', kind: 'AccessReview', metadata: { name }, spec });
    return this;
  }

  withApproval(name: string, spec: Spec<ApprovalDocument>): this {
    keep(this.approvals, { apiVersion: 'lockstep.dev/v1', kind: 'Approval', metadata: { name }, spec });
    return this;
  }

  withConfig(patch: Partial<ConfigDocument['spec']>): this {
    Object.assign(this.config.spec, patch);
    return this;
  }

  policy(): Policy {
    const roles = new Map<string, Located<RoleProfileDocument>>();
    [...this.roles.values()].forEach((r, i) => roles.set(r.metadata.name, located(r, 'roles.yaml', i * 10 + 1)));
    return {
      dir: '/policies',
      config: located(this.config, 'config.yaml', 1),
      roles,
      assignments: this.assignments.map((d, i) => located(d, 'assignments.yaml', i * 10 + 1)),
      lifecycleRules: this.rules.map((d, i) => located(d, 'lifecycle.yaml', i * 10 + 1)),
      exceptions: this.exceptions.map((d, i) => located(d, 'exceptions.yaml', i * 10 + 1)),
      approvals: this.approvals.map((d, i) => located(d, 'approvals.yaml', i * 10 + 1)),
      confirmations: [],
      reviews: this.reviews.map((d, i) => located(d, 'reviews.yaml', i * 20 + 1)),
      digest: 'sha256:test',
      commit: null,
      warnings: [],
    };
  }

  roster(): Roster {
    return { people: this.people, digest: 'sha256:roster', file: 'people.csv' };
  }

  plan(opts: { now?: string; history?: JournalHistory } = {}): Plan {
    const now = new Date(opts.now ?? this.now);
    return assemblePlan({
      policy: this.policy(),
      providers: planningProviders(this.policy()),
      roster: this.roster(),
      snapshot: this.snapshot,
      now,
      history: opts.history ?? EMPTY_HISTORY,
      createdAt: now,
    });
  }
}

/** Adds `doc` to `docs`, in the place of a document of the same name. */
function keep<T extends { metadata: { name: string } }>(docs: T[], doc: T): void {
  const i = docs.findIndex((d) => d.metadata.name === doc.metadata.name);
  if (i < 0) docs.push(doc);
  else docs[i] = doc;
}

export const aWorld = (now = '2026-11-22T09:00:00Z') => new World(now);

/** Compact view of a plan's changes for assertions: "action provider login [group]". */
export function changeLines(plan: Plan): string[] {
  return plan.changes.map((c) => {
    const what = c.action === 'task' ? `task:${c.task?.action}` : c.action;
    return `${what} ${c.provider} ${c.target.account?.login ?? '-'}${c.target.group ? ` [${c.target.group.name}]` : ''}`;
  });
}
