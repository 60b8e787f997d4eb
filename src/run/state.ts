import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Policy } from '../policy/model.js';
import { SecretResolver, parseSecretRef, redactor } from '../policy/secrets.js';
import type { Logger } from '../logger.js';
import { fileStore } from '../state/file-store.js';
import type { StateStore } from '../state/store.js';
import type { PostgresTarget } from '../state/postgres/store.js';

/** How a command was told where its state is. */
export interface StateFlags {
  /** `--state` (or LOCKSTEP_STATE): `file`, a postgres:// URL without a password, or a ${env:}/${file:} reference to one. */
  state?: string | undefined;
  /** `--state-dir` (or LOCKSTEP_STATE_DIR): the file backend's folder. */
  stateDir?: string | undefined;
  /** `--journal`: the file backend's journal file. */
  journal?: string | undefined;
}

/** The file backend's folder: --state-dir, else LOCKSTEP_STATE_DIR, else `.lockstep` in the working directory. */
export function stateDir(explicit?: string): string {
  return resolve(explicit ?? process.env.LOCKSTEP_STATE_DIR ?? '.lockstep');
}

/** The file backend's journal: --journal, else Config spec.journal.file (relative to the policy folder), else <state>/journal.jsonl. */
export function journalPath(policy: Policy | null, state: string, explicit?: string): string {
  if (explicit) return resolve(explicit);
  const configured = policy?.config.doc.spec.journal?.file;
  if (configured) return isAbsolute(configured) ? configured : resolve(policy.dir, configured);
  return resolve(state, 'journal.jsonl');
}

/**
 * Opens the state store a command runs on: `--state` first, then Config `spec.state`,
 * else the file backend. Credentials are only ever taken by reference (a `${env:}` or
 * `${file:}` reference, PGPASSWORD or ~/.pgpass), never from a URL typed on a command
 * line or into Config, and are registered with the redactor before anything can print
 * them. The PostgreSQL backend is loaded only when asked for.
 */
export async function openStateStore(policy: Policy | null, flags: StateFlags, opts: { log: Logger; write: boolean }): Promise<StateStore> {
  const target = selectBackend(policy, flags);
  if (target === 'file') {
    const dir = stateDir(flags.stateDir);
    return fileStore(dir, journalPath(policy, dir, flags.journal));
  }
  if (flags.journal)
    throw new UserError(`--journal names a journal file, but the state is in PostgreSQL (${target.label}), where the journal is a table; leave --journal out`);
  if (policy?.config.doc.spec.journal?.file) {
    const at = policy.config.locate(['spec', 'journal', 'file']);
    throw new UserError([
      { message: `journal.file names a journal file, but the state is in PostgreSQL (${target.label}), where the journal is a table; remove journal.file`, at },
    ]);
  }
  const { openPostgresStore } = await import('../state/postgres/store.js');
  return openPostgresStore(target, opts);
}

/** `file`, or the PostgreSQL connection the flags or Config name. */
export function selectBackend(policy: Policy | null, flags: StateFlags): 'file' | PostgresTarget {
  const env = process.env;
  if (flags.state !== undefined) {
    if (flags.state === 'file') return 'file';
    const url = resolveUrl(flags.state, '--state', env, process.cwd());
    return postgresTarget(url, undefined, undefined, '--state');
  }
  const spec = policy?.config.doc.spec.state;
  if (!spec || spec.backend === 'file') return 'file';
  const where = (field: string) => {
    const l = policy.config.locate(['spec', 'state', field]);
    return `${l.file}:${l.line}:${l.col}: state.${field}`;
  };
  if (!spec.url) throw new UserError([{ message: 'state.backend is postgres but state.url is missing', at: policy.config.locate(['spec', 'state']) }]);
  const url = resolveUrl(spec.url, where('url'), env, policy.dir);
  let password: string | undefined;
  if (spec.password) {
    try {
      password = new SecretResolver(env, policy.dir).resolve(spec.password);
    } catch (e) {
      throw new UserError(`${where('password')}: ${(e as Error).message}`);
    }
  }
  return postgresTarget(url, password, spec.schema, where('url'));
}

/** A URL given directly, or through a secret reference (which may carry a password). */
function resolveUrl(value: string, what: string, env: NodeJS.ProcessEnv, baseDir: string): { url: string; byReference: boolean } {
  if (parseSecretRef(value) === null) return { url: value, byReference: false };
  try {
    return { url: new SecretResolver(env, baseDir).resolve(value), byReference: true };
  } catch (e) {
    throw new UserError(`${what}: ${(e as Error).message}`);
  }
}

function postgresTarget(given: { url: string; byReference: boolean }, password: string | undefined, schema: string | undefined, what: string): PostgresTarget {
  let u: URL;
  try {
    u = new URL(given.url);
  } catch {
    throw new UserError(`${what}: not a state backend: expected \`file\`, a postgres:// URL, or a \${env:NAME} / \${file:PATH} reference to one`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UserError(`${what}: ${u.protocol.replace(/:$/, '')} is not a state backend: expected \`file\` or a postgres:// URL`);
  }
  if (u.password) {
    if (!given.byReference) {
      redactor.add(decodeURIComponent(u.password));
      throw new UserError(
        `${what}: the URL carries a password, which would show in process listings and shell history; give it by reference instead (PGPASSWORD, ~/.pgpass, state.password: "\${file:…}", or a \${env:NAME} reference to the whole URL)`,
      );
    }
    redactor.add(decodeURIComponent(u.password));
  }
  if (password) redactor.add(password);
  const s = schema ?? u.searchParams.get('schema') ?? 'lockstep';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new UserError(`${what}: schema ${JSON.stringify(s)} is not a plain lowercase identifier`);
  u.searchParams.delete('schema');
  const label = `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname} (schema ${s})`;
  return { url: u.toString(), password, schema: s, label };
}

/**
 * Names the store the flags and Config select, without opening it, so that a long-running
 * process can tell when a new policy would move its state elsewhere.
 */
export function describeStore(policy: Policy | null, flags: StateFlags): string {
  const target = selectBackend(policy, flags);
  if (target !== 'file') return target.label;
  const dir = stateDir(flags.stateDir);
  return `${dir} (journal ${journalPath(policy, dir, flags.journal)})`;
}
