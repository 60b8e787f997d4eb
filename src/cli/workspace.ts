import { hostname, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Policy } from '../policy/model.js';
import { UserError } from '../errors.js';

/**
 * Where Lockstep keeps its state: the journal, the apply lock, manual tasks. Defaults to
 * `.lockstep/` in the working directory (like `.terraform/`), or LOCKSTEP_STATE_DIR.
 * Read-only commands (plan, audit) never create it; writers create what they write.
 */
export function stateDir(explicit?: string): string {
  return resolve(explicit ?? process.env.LOCKSTEP_STATE_DIR ?? '.lockstep');
}

/** The journal: Config spec.journal.file (relative to the policy folder), else <state>/journal.jsonl. */
export function journalPath(policy: Policy | null, state: string, explicit?: string): string {
  if (explicit) return resolve(explicit);
  const configured = policy?.config.doc.spec.journal?.file;
  if (configured) return isAbsolute(configured) ? configured : resolve(policy!.dir, configured);
  return resolve(state, 'journal.jsonl');
}

/** Who is acting, for the journal: LOCKSTEP_ACTOR, else user@host. */
export function actor(): string {
  if (process.env.LOCKSTEP_ACTOR) return process.env.LOCKSTEP_ACTOR;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UserError(`--now ${value} is not an ISO 8601 date or date-time`);
  return new Date(ms);
}

/** The policy folder, roster and snapshot a command names by flag, resolved as makePlan takes them. */
export function planFiles(opts: { policies: string; people?: string | undefined; snapshot?: string | undefined }): {
  policiesDir: string;
  peopleFile: string | undefined;
  snapshotFile: string | undefined;
} {
  return {
    policiesDir: resolve(opts.policies),
    peopleFile: opts.people ? resolve(opts.people) : undefined,
    snapshotFile: opts.snapshot ? resolve(opts.snapshot) : undefined,
  };
}
