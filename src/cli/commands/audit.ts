import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { readCheckpointFile } from '../../journal/checkpoint.js';
import { verifyJournalLines } from '../../journal/verify.js';
import { verifierFromFile } from '../../signing/ed25519.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { withStateStore } from '../workspace.js';

export interface AuditVerifyOptions {
  journal?: string;
  stateDir?: string;
  state?: string;
  publicKey?: string;
  checkpoint?: string;
}

/**
 * `lockstep audit verify`: walks the hash chain, checks it against the checkpoint kept
 * apart from it (records cut off the end, a tail re-hashed) and, with `--public-key`,
 * every signature; names the first bad or missing record. Exit 1 on any damage.
 */
export async function auditVerifyCommand(opts: AuditVerifyOptions): Promise<number> {
  const log = stderrLogger();
  const verifier = opts.publicKey ? await verifierFromFile(resolve(opts.publicKey), `--public-key ${opts.publicKey}`) : null;
  return withStateStore(null, opts, { log, write: false }, async (store) => {
    const content = await store.journal.content();
    if (!content) throw new UserError(`${store.journal.label}: no journal there`);
    const checkpoint = opts.checkpoint ? await readCheckpointFile(resolve(opts.checkpoint)) : content.checkpoint;
    if (opts.checkpoint && !checkpoint) throw new UserError(`--checkpoint ${opts.checkpoint}: no checkpoint there`);
    const result = verifyJournalLines(content.lines, { checkpoint, verifier, ...store.journal.layout });
    for (const note of result.notes) writeErr(`note: ${note}\n`);
    if (result.ok) {
      writeOut(`${result.message}\n`);
      return ExitCode.Ok;
    }
    const bad = result.firstBad;
    writeErr(`journal verification FAILED${bad ? ` (${bad.reason})` : ''}: ${result.message}\n`);
    writeErr(`${result.records} record${result.records === 1 ? '' : 's'} before it verified intact.\n`);
    return ExitCode.Error;
  });
}
