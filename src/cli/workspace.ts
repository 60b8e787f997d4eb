import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Policy } from '../policy/model.js';
import { UserError } from '../errors.js';
import { isValidDuration, parseDuration } from '../policy/time.js';
import type { Logger } from '../logger.js';
import { openStateStore, type StateFlags } from '../run/state.js';
import type { StateStore } from '../state/store.js';

/**
 * Runs `work` on the state store the flags and Config name (see openStateStore), and
 * closes it whatever happens. `write` is for commands that change state (apply, the
 * controller): they create and migrate a PostgreSQL schema; readers only read it.
 */
export async function withStateStore<T>(
  policy: Policy | null,
  flags: StateFlags,
  opts: { log: Logger; write: boolean },
  work: (store: StateStore) => Promise<T>,
): Promise<T> {
  const store = await openStateStore(policy, flags, opts);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
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

/** A duration flag (`--max-age 12h`): a value that is not one is the user's error, named with its flag. */
export function parseDurationFlag(flag: string, value: string): number {
  if (!isValidDuration(value)) throw new UserError(`${flag} ${value}: expected a number and a unit (s, m, h, d, w), e.g. 24h or 7d`);
  return parseDuration(value);
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
