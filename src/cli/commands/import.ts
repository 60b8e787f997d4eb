import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { checkOutFolder, loadImportPolicy, makeImport, REPORT_FILE, writeImport } from '../../run/import-run.js';
import { renderImportReport } from '../../import/report.js';
import type { StateStore } from '../../state/store.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { parseNow, withStateStore } from '../workspace.js';

export interface ImportFlags {
  policies: string;
  people?: string;
  snapshot?: string;
  out?: string;
  providers?: string;
  groups?: string;
  now?: string;
  dryRun?: boolean;
  force?: boolean;
  stateDir?: string;
  state?: string;
}

/** Rows per table of the report on the terminal; IMPORT.md keeps them all. */
const TERMINAL_ROWS = 20;

/**
 * `lockstep import --out DIR`: a starting policy folder that reproduces today's access
 * (src/import), from the providers or a snapshot, with a report of what it could not
 * explain. `--dry-run` prints the files instead of writing them.
 */
export async function importCommand(flags: ImportFlags): Promise<number> {
  const log = stderrLogger();
  if (!flags.out && !flags.dryRun) throw new UserError('--out DIR is required (or --dry-run to print what would be written)');
  const now = parseNow(flags.now);
  const out = flags.out ? resolve(flags.out) : undefined;
  const opts = {
    policiesDir: resolve(flags.policies),
    peopleFile: flags.people ? resolve(flags.people) : undefined,
    snapshotFile: flags.snapshot ? resolve(flags.snapshot) : undefined,
    providers: flags.providers,
    groups: flags.groups,
    now,
    log,
  };
  const policy = await loadImportPolicy(opts);
  // A folder that cannot take the import is refused before anything is observed.
  if (out && !flags.dryRun) await checkOutFolder(out, flags.force === true);
  const run = async (store: StateStore | null): Promise<number> => {
    const made = await makeImport(policy, opts, store);
    const report = renderImportReport(made.result, { ...made.context, limit: TERMINAL_ROWS, more: out ? `all in ${flags.out}/${REPORT_FILE}` : undefined });
    if (flags.dryRun) {
      for (const [path, content] of made.files) {
        if (path === REPORT_FILE) continue;
        writeOut(typeof content === 'string' ? `# ==> ${path} <==\n${content}\n` : `# ==> ${path} <== (copied, ${content.length} bytes)\n\n`);
      }
      writeOut(report);
      writeErr('dry run: nothing written\n');
      return ExitCode.Ok;
    }
    await writeImport(out!, made.files, { force: flags.force === true, log });
    writeOut(report);
    writeErr(`wrote ${made.files.size} files to ${flags.out}: ${[...made.files.keys()].join(', ')}\n`);
    return ExitCode.Ok;
  };
  if (opts.snapshotFile) return run(null);
  // Observing keeps what providers carry between runs (delta links) in the state store, as `observe` does.
  return withStateStore(policy, flags, { log, write: true }, run);
}
