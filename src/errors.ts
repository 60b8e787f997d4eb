/**
 * The small typed set of errors Lockstep raises. One top-level catch in the CLI maps
 * them to exit codes; per-change failures during apply are collected, never thrown
 * past the run.
 */

export const ExitCode = {
  Ok: 0,
  Error: 1,
  ChangesPresent: 2,
  GuardTripped: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A position in a policy, roster or snapshot file. Lines and columns count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One problem with user input, printed as `file:line:col: message`. */
export interface Problem {
  message: string;
  at?: SourceLocation | undefined;
}

export function formatProblem(p: Problem): string {
  return p.at ? `${p.at.file}:${p.at.line}:${p.at.col}: ${p.message}` : p.message;
}

/** Bad input: every problem found, not just the first. Exit 1; nothing observed or applied. */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | string) {
    const list = typeof problems === 'string' ? [{ message: problems }] : problems;
    super(list.map(formatProblem).join('\n'));
    this.name = 'UserError';
    this.problems = list;
  }
}

/**
 * A provider call that failed. `transient` failures (429, 5xx, connection resets,
 * timeouts) are retried with backoff; `retryAfterMs` carries the server's Retry-After.
 * Messages never contain credentials or request headers.
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  /** The service's own error code where its answer gave one (Graph `error.code`), for callers that act on it. */
  readonly code: string | undefined;
  constructor(
    provider: string,
    message: string,
    opts: { status?: number | undefined; transient?: boolean; retryAfterMs?: number | undefined; code?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = opts.status;
    this.transient = opts.transient ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.code = opts.code;
  }
}

/** The guard tripped and nothing was applied. Exit 3. */
export class GuardHaltError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuardHaltError';
  }
}

/** A bug in Lockstep itself. */
export class InternalError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'InternalError';
  }
}
