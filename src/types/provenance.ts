/** Where policy comes from in Git: plain data the planner records and Git code fills in. */

/** The commit that last changed a policy line: who and when. */
export interface LineCommit {
  readonly sha: string;
  /** `Name <email>` as Git recorded the author. */
  readonly author: string;
  /** Author date, ISO 8601 UTC. */
  readonly date: string;
}

/** `file:line` (as plan reasons cite policy lines) → the commit behind that line, or null. */
export type Attribution = (source: string) => LineCommit | null;

/**
 * Where a policy folder lives: the identity of the Git repository holding it and the
 * folder's path inside it. Outside Git `repository` is null and `path` is '.': there is
 * no repository for the path to be inside of.
 */
export interface PolicyOrigin {
  /** `host/path` of the origin remote (no scheme, credentials, port or `.git`), else `root:<sha>` of the first commit. */
  readonly repository: string | null;
  /** `/`-separated path of the policy folder inside the repository, '.' for its root. */
  readonly path: string;
}
