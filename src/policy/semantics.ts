import type { Problem } from '../errors.js';
import type {
  ApprovalDocument,
  ConfigDocument,
  ConfirmationDocument,
  AccessReviewDocument,
  ExceptionDocument,
  Grant,
  LifecycleRuleDocument,
  RoleAssignmentDocument,
  RoleProfileDocument,
} from '../types/index.js';
import type { ProviderCatalogue } from './catalogue.js';
import { checkConfig } from './config-checks.js';
import type { DocPath, Located, PolicyDocument, PolicyKind } from './model.js';
import { didYouMean } from './near-match.js';
import { checkProviderRef, where, type PolicyNames } from './references.js';
import { isValidDate, isValidDuration, parseDuration } from './time.js';

/**
 * A policy document after its schema check. Cross-document rules run only on `valid`
 * documents (their shape is known), but the names of invalid ones still count as defined,
 * so a schema error in a RoleProfile is not also reported as an unknown role elsewhere.
 */
export interface LoadedDocument {
  readonly kind: PolicyKind;
  readonly name: string | null;
  readonly valid: boolean;
  readonly located: Located<PolicyDocument>;
}

export interface SemanticsContext {
  /** Absolute policy folder: roster and `${file:...}` paths are relative to it. */
  readonly dir: string;
  /** What only the providers know of their connections. */
  readonly providers: ProviderCatalogue;
  readonly checkSecrets: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly requirePeopleFile: boolean;
}

export interface CheckResult {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

function checkDate(value: string, located: Located<PolicyDocument>, path: DocPath, out: Problem[]): void {
  if (!isValidDate(value)) {
    out.push({ message: `invalid date "${value}": expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (a real calendar date)`, at: located.locate(path) });
  }
}

function checkNames(docs: readonly LoadedDocument[], problems: Problem[]): void {
  const configs = docs.filter((d) => d.kind === 'Config');
  const first = configs[0];
  if (!first) problems.push({ message: 'no Config document: a policy folder needs exactly one' });
  for (const extra of configs.slice(1)) {
    problems.push({
      message: `a second Config "${extra.name ?? ''}": a policy folder has exactly one (the first is at ${where(first!.located.at)})`,
      at: extra.located.locate(['metadata', 'name']),
    });
  }
  const seen = new Map<string, LoadedDocument>();
  for (const d of docs) {
    if (d.kind === 'Config' || d.name === null) continue;
    const key = `${d.kind}\0${d.name}`;
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, d);
      continue;
    }
    problems.push({
      message: `duplicate ${d.kind} name "${d.name}" (first defined at ${where(earlier.located.locate(['metadata', 'name']))})`,
      at: d.located.locate(['metadata', 'name']),
    });
  }
}

function collectNames(docs: readonly LoadedDocument[]): PolicyNames {
  const config = docs.find((d) => d.kind === 'Config');
  const providers = (config?.located.doc as Partial<ConfigDocument> | undefined)?.spec?.providers;
  const managedGroups = new Set<string>();
  for (const d of docs) {
    if (d.kind !== 'RoleProfile' || !d.valid) continue;
    for (const g of (d.located.doc as RoleProfileDocument).spec.grants) managedGroups.add(`${g.provider}\0${g.group}`);
  }
  return {
    providers: typeof providers === 'object' && providers !== null && !Array.isArray(providers) ? new Set(Object.keys(providers)) : null,
    roles: new Set(docs.filter((d) => d.kind === 'RoleProfile' && d.name !== null).map((d) => d.name!)),
    managedGroups,
  };
}

function checkRoleProfile(l: Located<RoleProfileDocument>, names: PolicyNames, out: CheckResult): void {
  const seen = new Map<string, number>();
  l.doc.spec.grants.forEach((g, i) => {
    checkProviderRef(names, g.provider, l, ['spec', 'grants', i, 'provider'], out.problems);
    const key = `${g.provider}\0${g.group}`;
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, i);
    else out.warnings.push({ message: `grant ${g.provider}/${g.group} is listed twice (also item ${earlier})`, at: l.locate(['spec', 'grants', i]) });
  });
}

function checkAssignment(l: Located<RoleAssignmentDocument>, names: PolicyNames, out: CheckResult): void {
  const spec = l.doc.spec;
  spec.roles.forEach((role, i) => {
    if (!names.roles.has(role)) {
      out.problems.push({ message: `unknown role "${role}": no RoleProfile has this name${didYouMean(role, names.roles)}`, at: l.locate(['spec', 'roles', i]) });
    }
  });
  if (spec.select === undefined && spec.people === undefined) {
    out.problems.push({ message: 'a RoleAssignment needs "select" or "people" (or both)', at: l.locate(['spec']) });
  }
  if (spec.expires !== undefined) checkDate(spec.expires, l, ['spec', 'expires'], out.problems);
}

function checkLifecycleRule(l: Located<LifecycleRuleDocument>, out: CheckResult): void {
  const spec = l.doc.spec;
  if (spec.trigger === 'inactive' && spec.inactiveDays === undefined) {
    out.problems.push({ message: 'trigger "inactive" needs "inactiveDays"', at: l.locate(['spec', 'trigger']) });
  }
  if (spec.trigger !== 'inactive' && spec.inactiveDays !== undefined) {
    out.problems.push({ message: `"inactiveDays" applies only to trigger "inactive", not "${spec.trigger}"`, at: l.locate(['spec', 'inactiveDays']) });
  }
  let previous: { after: string; ms: number } | null = null;
  spec.stages.forEach((stage, i) => {
    if (!isValidDuration(stage.after)) {
      out.problems.push({ message: `invalid duration "${stage.after}": expected e.g. 0h, 15m, 7d, 2w`, at: l.locate(['spec', 'stages', i, 'after']) });
      return;
    }
    const ms = parseDuration(stage.after);
    if (previous && ms < previous.ms) {
      out.problems.push({
        message: `stage after ${stage.after} comes before the previous stage's ${previous.after}: stages must be in time order`,
        at: l.locate(['spec', 'stages', i, 'after']),
      });
    }
    previous = { after: stage.after, ms };
  });
}

function warnUnmanaged(grant: Grant, names: PolicyNames, l: Located<PolicyDocument>, path: DocPath, out: Problem[]): void {
  if (names.providers && !names.providers.has(grant.provider)) return;
  if (names.managedGroups.has(`${grant.provider}\0${grant.group}`)) return;
  out.push({ message: `group "${grant.group}" in ${grant.provider} is not granted by any RoleProfile, so Lockstep does not manage it`, at: l.locate(path) });
}

function checkException(l: Located<ExceptionDocument>, names: PolicyNames, out: CheckResult): void {
  l.doc.spec.grants.forEach((g, i) => {
    checkProviderRef(names, g.provider, l, ['spec', 'grants', i, 'provider'], out.problems);
    warnUnmanaged(g, names, l, ['spec', 'grants', i, 'group'], out.warnings);
  });
  checkDate(l.doc.spec.expires, l, ['spec', 'expires'], out.problems);
}

function checkApproval(l: Located<ApprovalDocument>, names: PolicyNames, out: CheckResult): void {
  const spec = l.doc.spec;
  if (spec.scope === undefined && spec.changes === undefined) {
    out.problems.push({ message: 'an Approval needs "scope" or "changes"', at: l.locate(['spec']) });
  }
  if (spec.scope) {
    checkProviderRef(names, spec.scope.provider, l, ['spec', 'scope', 'provider'], out.problems);
    if (spec.scope.group !== undefined) {
      warnUnmanaged({ provider: spec.scope.provider, group: spec.scope.group }, names, l, ['spec', 'scope', 'group'], out.warnings);
    }
  }
  checkDate(spec.expires, l, ['spec', 'expires'], out.problems);
}

function checkReview(l: Located<AccessReviewDocument>, names: PolicyNames, out: CheckResult): void {
  const spec = l.doc.spec;
  if ((spec.scope.role === undefined) === (spec.scope.tier === undefined)) {
    out.problems.push({ message: 'an AccessReview scope needs "role" or "tier" (one of them)', at: l.locate(['spec', 'scope']) });
  }
  if (spec.scope.role !== undefined && !names.roles.has(spec.scope.role)) {
    out.problems.push({
      message: `unknown role "${spec.scope.role}": no RoleProfile has this name${didYouMean(spec.scope.role, names.roles)}`,
      at: l.locate(['spec', 'scope', 'role']),
    });
  }
  checkDate(spec.started, l, ['spec', 'started'], out.problems);
  checkDate(spec.due, l, ['spec', 'due'], out.problems);
  spec.members.forEach((m, i) => m.grants.forEach((g, j) => checkProviderRef(names, g.provider, l, ['spec', 'members', i, 'grants', j, 'provider'], out.problems)));
}

/**
 * The rules no single schema can state: one Config, unique names, references that resolve,
 * dates and durations that mean something, secret references that are well formed.
 * Returns errors and warnings; never throws for bad input.
 */
export function checkSemantics(docs: readonly LoadedDocument[], ctx: SemanticsContext): CheckResult {
  const out: CheckResult = { problems: [], warnings: [] };
  checkNames(docs, out.problems);
  const names = collectNames(docs);
  for (const d of docs) {
    if (!d.valid) continue;
    switch (d.kind) {
      case 'Config':
        checkConfig(d.located as Located<ConfigDocument>, names, ctx, out);
        break;
      case 'RoleProfile':
        checkRoleProfile(d.located as Located<RoleProfileDocument>, names, out);
        break;
      case 'RoleAssignment':
        checkAssignment(d.located as Located<RoleAssignmentDocument>, names, out);
        break;
      case 'LifecycleRule':
        checkLifecycleRule(d.located as Located<LifecycleRuleDocument>, out);
        break;
      case 'Exception':
        checkException(d.located as Located<ExceptionDocument>, names, out);
        break;
      case 'Approval':
        checkApproval(d.located as Located<ApprovalDocument>, names, out);
        break;
      case 'AccessReview':
        checkReview(d.located as Located<AccessReviewDocument>, names, out);
        break;
      case 'Confirmation': {
        const l = d.located as Located<ConfirmationDocument>;
        checkDate(l.doc.spec.confirmedAt, l, ['spec', 'confirmedAt'], out.problems);
        break;
      }
    }
  }
  return out;
}
