import type { Problem, SourceLocation } from '../errors.js';
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

/** A path into a YAML document: keys and sequence indexes, e.g. ['spec', 'grants', 0, 'group']. */
export type DocPath = ReadonlyArray<string | number>;

/**
 * A policy document with where it came from. `locate` finds the position of any
 * node in it (falling back to the nearest ancestor that exists), so every problem and
 * every plan change can name `file:line:col`.
 */
export interface Located<T> {
  readonly doc: T;
  /** Position of the document's start (its `apiVersion` line). */
  readonly at: SourceLocation;
  locate(path: DocPath): SourceLocation;
}

export type PolicyDocument =
  | ConfigDocument
  | RoleProfileDocument
  | RoleAssignmentDocument
  | LifecycleRuleDocument
  | ExceptionDocument
  | ApprovalDocument
  | ConfirmationDocument
  | AccessReviewDocument;

export type PolicyKind = PolicyDocument['kind'];

/**
 * A loaded and validated policy repository. Invariants once `loadPolicy` returns:
 * exactly one Config; names unique per kind; every role, provider and group reference
 * resolves; every date and duration parses.
 */
export interface Policy {
  /** Absolute path of the policy folder. */
  readonly dir: string;
  readonly config: Located<ConfigDocument>;
  readonly roles: ReadonlyMap<string, Located<RoleProfileDocument>>;
  readonly assignments: ReadonlyArray<Located<RoleAssignmentDocument>>;
  readonly lifecycleRules: ReadonlyArray<Located<LifecycleRuleDocument>>;
  readonly exceptions: ReadonlyArray<Located<ExceptionDocument>>;
  readonly approvals: ReadonlyArray<Located<ApprovalDocument>>;
  readonly confirmations: ReadonlyArray<Located<ConfirmationDocument>>;
  /** Access reviews: undecided, kept and revoked memberships, decided in pull requests. */
  readonly reviews: ReadonlyArray<Located<AccessReviewDocument>>;
  /** sha256 over the policy files' bytes, in path order. */
  readonly digest: string;
  /** Git commit of the policy folder, when it is inside a Git work tree. */
  readonly commit: string | null;
  /** Problems that do not stop loading (duplicate grants, exceptions for unmanaged groups), in file order. */
  readonly warnings: readonly Problem[];
}
