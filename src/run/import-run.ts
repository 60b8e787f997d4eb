import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { renderPolicyDocuments } from '../demo/write-policy.js';
import { formatProblem, InternalError, UserError } from '../errors.js';
import { inferPolicy, type ImportResult } from '../import/infer.js';
import { renderImportReport, type ReportContext } from '../import/report.js';
import { chooseProviders, groupMatcher } from '../import/select.js';
import type { Logger } from '../logger.js';
import type { Policy } from '../policy/model.js';
import { displayPath } from '../policy/policy-files.js';
import { loadRoster } from '../roster/load.js';
import { observeProviders } from '../snapshot/observe.js';
import { readSnapshot } from '../snapshot/read.js';
import type { StateStore } from '../state/store.js';
import type { Snapshot } from '../types/index.js';
import { closeProviders, connectProviders } from './connect.js';
import { loadPolicy } from './load-policy.js';

/** The report written beside the imported policy. */
export const REPORT_FILE = 'IMPORT.md';

export interface ImportOptions {
  readonly policiesDir: string;
  readonly peopleFile?: string | undefined;
  /** Import from this snapshot; otherwise observe the providers. */
  readonly snapshotFile?: string | undefined;
  /** `--providers a,b`. */
  readonly providers?: string | undefined;
  /** `--groups PATTERN`. */
  readonly groups?: string | undefined;
  readonly now: Date;
  readonly log: Logger;
}

/** An import made, not yet written: the files of the policy folder by relative path, and the report. */
export interface MadeImport {
  readonly result: ImportResult;
  readonly files: ReadonlyMap<string, string | Buffer>;
  readonly context: Omit<ReportContext, 'limit' | 'more'>;
}

/** Loads the Config an import starts from: secrets checked only when it observes. */
export async function loadImportPolicy(opts: Pick<ImportOptions, 'policiesDir' | 'peopleFile' | 'snapshotFile' | 'log'>): Promise<Policy> {
  const policy = await loadPolicy(opts.policiesDir, { checkSecrets: !opts.snapshotFile, requirePeopleFile: !opts.peopleFile });
  for (const w of policy.warnings) opts.log.warn(formatProblem(w));
  return policy;
}

/**
 * The I/O around inferPolicy: read the roster, read the snapshot or observe the chosen
 * providers (through `store`, as `observe` does), infer, and render the folder's files:
 * the policy YAML, a copy of the roster and of manual providers' inventories, the report.
 */
export async function makeImport(policy: Policy, opts: ImportOptions, store: StateStore | null): Promise<MadeImport> {
  const roster = await loadRoster(policy, opts.peopleFile);
  for (const w of roster.warnings) opts.log.warn(formatProblem(w));
  const configured = Object.keys(policy.config.doc.spec.providers);
  const selectGroup = opts.groups !== undefined ? groupMatcher(opts.groups) : undefined;
  let snapshot: Snapshot;
  let providers: string[];
  let source: string;
  if (opts.snapshotFile) {
    snapshot = await readSnapshot(opts.snapshotFile);
    providers = chooseProviders(opts.providers, configured, Object.keys(snapshot.providers));
    for (const name of configured)
      if (!providers.includes(name) && opts.providers === undefined) opts.log.warn(`provider ${name} is not in the snapshot: nothing imported from it`);
    source = `the snapshot ${displayPath(opts.snapshotFile)}`;
  } else {
    providers = chooseProviders(opts.providers, configured, null);
    if (!store) throw new InternalError('observing for an import needs a state store');
    const connected = connectProviders(policy, { store, log: opts.log, only: providers, access: 'read' });
    try {
      snapshot = await observeProviders(connected, opts.log);
    } finally {
      await closeProviders(connected);
    }
    source = `${providers.join(', ')} as observed`;
  }

  const rosterAbs = opts.peopleFile !== undefined ? resolve(opts.peopleFile) : resolve(policy.dir, policy.config.doc.spec.people.file);
  const rosterFile = basename(rosterAbs);
  const result = inferPolicy({
    config: policy.config.doc,
    people: roster.people,
    identities: roster.identities,
    snapshot,
    now: opts.now,
    providers,
    selectGroup,
    rosterFile,
    keepRosterFormat: opts.peopleFile === undefined,
  });
  const context = { source, observedAt: snapshot.observedAt, roster: roster.file, now: opts.now.toISOString() };

  const files = new Map<string, string | Buffer>(
    renderPolicyDocuments([result.config, ...result.roles, ...result.assignments, ...result.lifecycleRules], result.config.metadata.name),
  );
  files.set(rosterFile, await readFile(rosterAbs));
  for (const connection of Object.values(policy.config.doc.spec.providers)) {
    const inventory = (connection as { inventory?: unknown }).inventory;
    if (typeof inventory !== 'string' || isAbsolute(inventory)) continue;
    const from = resolve(policy.dir, inventory);
    // Only files inside the policy folder travel with it; a missing one is the Config's problem, reported by validate.
    if (relative(policy.dir, from).startsWith('..') || !existsSync(from)) continue;
    files.set(inventory, await readFile(from));
  }
  files.set(REPORT_FILE, renderImportReport(result, { ...context, limit: Number.POSITIVE_INFINITY }));
  return { result, files, context };
}

/**
 * Refuses an output folder that exists and holds anything, unless `force`: checked before
 * anything is observed, and again when writing. Returns what the folder holds.
 */
export async function checkOutFolder(out: string, force: boolean): Promise<string[]> {
  const entries = await readdir(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw new UserError(`output folder ${displayPath(out)} cannot be read (${e.code ?? e.message})`);
  });
  if (entries.length > 0 && !force) {
    throw new UserError(`output folder ${displayPath(out)} is not empty (${entries.length} entries); choose a new or empty folder, or pass --force to write into it`);
  }
  return entries;
}

/**
 * Writes the folder (see checkOutFolder). With `force`, every file replaced is named, and
 * policy files left there from before (which would load beside the import) are warned about.
 */
export async function writeImport(out: string, files: ReadonlyMap<string, string | Buffer>, opts: { force: boolean; log: Logger }): Promise<void> {
  const entries = await checkOutFolder(out, opts.force);
  for (const name of entries) {
    if (/\.ya?ml$/i.test(name) && !files.has(name)) opts.log.warn(`${displayPath(join(out, name))} is not written by the import and will be loaded with it`);
  }
  for (const [path, content] of files) {
    const target = join(out, path);
    if (existsSync(target)) opts.log.warn(`replacing ${displayPath(target)}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}
