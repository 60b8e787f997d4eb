import { ExitCode } from '../../errors.js';
import { stderrLogger, writeOut } from '../output.js';
import { withStateStore } from '../workspace.js';

/**
 * `lockstep state migrate`: creates or migrates the PostgreSQL schema and exits, so that
 * an owner role can prepare the database once and the controller run as a role with only
 * the grants of deploy/postgres/grants.sql. (Writers migrate on start as well.)
 */
export async function stateMigrateCommand(opts: { state?: string; stateDir?: string }): Promise<number> {
  const log = stderrLogger();
  return withStateStore(null, opts, { log, write: true }, async (store) => {
    if (store.backend === 'file') writeOut(`state store ${store.label}: the file backend has no schema to migrate\n`);
    else {
      const { SCHEMA_VERSION } = await import('../../state/postgres/schema.js');
      writeOut(`state store ${store.label}: schema at version ${SCHEMA_VERSION}\n`);
    }
    return ExitCode.Ok;
  });
}
