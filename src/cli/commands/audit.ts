import { existsSync } from 'node:fs';
import { ExitCode, UserError } from '../../errors.js';
import { verifyJournal } from '../../journal/verify.js';
import { writeErr, writeOut } from '../output.js';
import { journalPath, stateDir } from '../workspace.js';

/** `lockstep audit verify`: walks the hash chain and names the first bad record. */
export async function auditVerifyCommand(opts: { journal?: string; stateDir?: string }): Promise<number> {
  const file = journalPath(null, stateDir(opts.stateDir), opts.journal);
  if (!existsSync(file)) throw new UserError(`${file}: no journal there`);
  const result = await verifyJournal(file);
  if (result.ok) {
    writeOut(`${result.message}\n`);
    return ExitCode.Ok;
  }
  const bad = result.firstBad;
  writeErr(`journal verification FAILED${bad ? ` (${bad.reason} record)` : ''}: ${result.message}\n`);
  writeErr(`${result.records} record${result.records === 1 ? '' : 's'} before it verified intact.\n`);
  return ExitCode.Error;
}
