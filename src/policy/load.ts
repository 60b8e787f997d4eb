import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { formatProblem, UserError, type Problem, type SourceLocation } from '../errors.js';
import type {
  ApprovalDocument,
  ConfigDocument,
  ConfirmationDocument,
  AccessReviewDocument,
  ExceptionDocument,
  LifecycleRuleDocument,
  RoleAssignmentDocument,
  RoleProfileDocument,
} from '../types/index.js';
import type { ProviderCatalogue } from './catalogue.js';
import type { Located, Policy, PolicyDocument, PolicyKind } from './model.js';
import { digestFiles, displayPath, listPolicyFiles, readPolicyFile, type ParsedDocument, type ParsedFile } from './policy-files.js';
import { schemaIssues, schemaIssuesAgainst, type SchemaIssue } from './schemas.js';
import { checkSemantics, type LoadedDocument } from './semantics.js';

export interface LoadPolicyOptions {
  /** The provider types of this build: what their connections must hold (the provider registry's catalogue). */
  providers: ProviderCatalogue;
  /** Also require every secret reference to resolve (env var set, file readable). Default false. */
  checkSecrets?: boolean;
  /** Environment the `${env:NAME}` references are checked against. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Require the Config's roster file to exist. Default true; false when the roster comes
   * from elsewhere (`--people FILE`).
   */
  requirePeopleFile?: boolean;
}

export const API_VERSION = 'lockstep.dev/v1';

/** Each kind and the schema that describes it. */
const KIND_SCHEMAS: Readonly<Record<PolicyKind, string>> = {
  Config: 'config',
  RoleProfile: 'role-profile',
  RoleAssignment: 'role-assignment',
  LifecycleRule: 'lifecycle-rule',
  Exception: 'exception',
  Approval: 'approval',
  Confirmation: 'confirmation',
  AccessReview: 'access-review',
};
const KINDS = Object.keys(KIND_SCHEMAS) as PolicyKind[];

function isKind(k: unknown): k is PolicyKind {
  return typeof k === 'string' && Object.prototype.hasOwnProperty.call(KIND_SCHEMAS, k);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issueProblem(d: ParsedDocument, prefix: ReadonlyArray<string | number>, issue: SchemaIssue): Problem {
  return { message: issue.message, at: d.positions.locate([...prefix, ...issue.path], { key: issue.atKey }) };
}

/**
 * Data files a Config names (the roster, manual apps' inventories): they may be YAML in
 * the policy folder, and are not policy documents.
 */
function dataFiles(dir: string, files: readonly ParsedFile[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    for (const d of f.documents) {
      const v = d.value;
      if (!isRecord(v) || v.kind !== 'Config' || !isRecord(v.spec)) continue;
      if (isRecord(v.spec.people) && typeof v.spec.people.file === 'string') out.add(resolve(dir, v.spec.people.file));
      if (!isRecord(v.spec.providers)) continue;
      for (const conn of Object.values(v.spec.providers)) {
        if (isRecord(conn) && typeof conn.inventory === 'string') out.add(resolve(dir, conn.inventory));
      }
    }
  }
  return out;
}

/** Checks apiVersion, kind and the kind's schema (and, for Config, each provider connection's). */
function checkDocument(d: ParsedDocument, providers: ProviderCatalogue, problems: Problem[]): LoadedDocument | null {
  const v = d.value;
  if (!isRecord(v)) {
    problems.push({ message: 'a policy document must be a map with apiVersion, kind, metadata and spec', at: d.positions.locate([]) });
    return null;
  }
  const before = problems.length;
  if (v.apiVersion === undefined) {
    problems.push({ message: 'missing required key "apiVersion"', at: d.positions.locate([]) });
  } else if (v.apiVersion !== API_VERSION) {
    problems.push({ message: `unsupported apiVersion "${String(v.apiVersion)}" (expected ${API_VERSION})`, at: d.positions.locate(['apiVersion']) });
  }
  if (v.kind === undefined) {
    problems.push({ message: 'missing required key "kind"', at: d.positions.locate([]) });
    return null;
  }
  if (!isKind(v.kind)) {
    problems.push({ message: `unknown kind "${String(v.kind)}" (expected one of: ${KINDS.join(', ')})`, at: d.positions.locate(['kind']) });
    return null;
  }
  const kind = v.kind;
  for (const issue of schemaIssues(KIND_SCHEMAS[kind], v)) {
    if (issue.path[0] !== 'apiVersion') problems.push(issueProblem(d, [], issue));
  }
  if (kind === 'Config' && isRecord(v.spec) && isRecord(v.spec.providers)) {
    for (const [name, connection] of Object.entries(v.spec.providers)) {
      if (!isRecord(connection) || typeof connection.type !== 'string') continue;
      // An unknown type is already reported against the Config schema's enum.
      const schema = providers.isProviderType(connection.type) ? providers.configSchema(connection.type) : undefined;
      if (!schema) continue;
      for (const issue of schemaIssuesAgainst(schema, connection)) problems.push(issueProblem(d, ['spec', 'providers', name], issue));
    }
  }
  const metadata = v.metadata;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : null;
  return {
    kind,
    name,
    valid: problems.length === before,
    located: d.positions.located(v as unknown as PolicyDocument),
  };
}

async function gitCommit(dir: string): Promise<string | null> {
  try {
    const git = simpleGit({ baseDir: dir });
    if (!(await git.checkIsRepo())) return null;
    return (await git.revparse(['HEAD'])).trim() || null;
  } catch {
    // Outside Git, without a git binary, or before the first commit: no commit to name.
    return null;
  }
}

function compareLocation(a: SourceLocation | undefined, b: SourceLocation | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col;
}

/** In file order, each problem once (a missing apiVersion is found by two checks). */
function sortProblems(list: Problem[]): Problem[] {
  const seen = new Set<string>();
  return list
    .map((p, i) => ({ p, i }))
    .sort((x, y) => compareLocation(x.p.at, y.p.at) || x.i - y.i)
    .map((x) => x.p)
    .filter((p) => {
      const key = formatProblem(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function ofKind<T extends PolicyDocument>(docs: readonly LoadedDocument[], kind: T['kind']): Located<T>[] {
  return docs.filter((d) => d.kind === kind).map((d) => d.located as Located<T>);
}

/** What examining a policy folder found: the policy when it has no problem, else every problem. */
export type PolicyExamination =
  | { readonly policy: Policy; readonly problems: readonly [] }
  | {
      readonly policy: null;
      readonly problems: readonly Problem[];
      /** The folder, absolute. */
      readonly dir: string;
      /** The Config document when it is valid itself, so that what it names (the roster) can still be checked. */
      readonly config: Located<ConfigDocument> | undefined;
    };

/**
 * Reads, validates and cross-checks every policy document under `dir`. Throws one
 * UserError carrying every problem found across all files; otherwise the returned Policy
 * holds the invariants stated on its type, plus the warnings found on the way.
 */
export async function loadPolicy(dir: string, opts: LoadPolicyOptions): Promise<Policy> {
  const examined = await examinePolicy(dir, opts);
  if (examined.policy === null) throw new UserError(examined.problems as Problem[]);
  return examined.policy;
}

/**
 * As loadPolicy, but the problems are returned rather than thrown, with the Config
 * document when it is valid (`lockstep validate` reports the roster's problems with the
 * policy's). A folder that is missing is still thrown: there is nothing to examine.
 */
export async function examinePolicy(dir: string, opts: LoadPolicyOptions): Promise<PolicyExamination> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UserError(`policy folder ${displayPath(root)} does not exist or is not a folder`);

  const parsed = await Promise.all((await listPolicyFiles(root)).map(readPolicyFile));
  const data = dataFiles(root, parsed);
  const files = parsed.filter((f) => !data.has(f.abs));

  const problems: Problem[] = files.flatMap((f) => f.problems);
  const warnings: Problem[] = files.flatMap((f) => f.warnings);
  const docs: LoadedDocument[] = [];
  for (const f of files) {
    for (const d of f.documents) {
      const loaded = checkDocument(d, opts.providers, problems);
      if (loaded) docs.push(loaded);
    }
  }
  if (files.length === 0) problems.push({ message: `no policy files (*.yaml, *.yml) in ${displayPath(root)}` });

  const semantics = checkSemantics(docs, {
    dir: root,
    providers: opts.providers,
    checkSecrets: opts.checkSecrets ?? false,
    env: opts.env ?? process.env,
    requirePeopleFile: opts.requirePeopleFile ?? true,
  });
  problems.push(...semantics.problems);
  warnings.push(...semantics.warnings);
  const config = ofKind<ConfigDocument>(docs, 'Config')[0];
  if (problems.length > 0) return { policy: null, problems: sortProblems(problems), dir: root, config };
  if (!config) return { policy: null, problems: [{ message: `no Config document in ${displayPath(root)}` }], dir: root, config };
  const policy: Policy = {
    dir: root,
    config,
    roles: new Map(ofKind<RoleProfileDocument>(docs, 'RoleProfile').map((r) => [r.doc.metadata.name, r])),
    assignments: ofKind<RoleAssignmentDocument>(docs, 'RoleAssignment'),
    lifecycleRules: ofKind<LifecycleRuleDocument>(docs, 'LifecycleRule'),
    exceptions: ofKind<ExceptionDocument>(docs, 'Exception'),
    approvals: ofKind<ApprovalDocument>(docs, 'Approval'),
    confirmations: ofKind<ConfirmationDocument>(docs, 'Confirmation'),
    reviews: ofKind<AccessReviewDocument>(docs, 'AccessReview'),
    digest: digestFiles(root, files),
    commit: await gitCommit(root),
    warnings: sortProblems(warnings),
  };
  return { policy, problems: [] };
}
