import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError, UserError } from '../errors.js';
import type { ApplyOutcome } from '../provider/provider.js';
import type { ObservedProvider, PlanChange } from '../types/index.js';

/**
 * A recording of one run against real providers (`--record DIR`): per provider, the HTTP
 * exchanges its transport had with the service and what each provider call answered,
 * sanitised (see docs/recording.md). `lockstep replay` and the test suite run the same
 * calls against it and compare (src/record/replay.ts).
 *
 * DIR/<recordedAt>-<command>/run.json        what ran, when, which providers
 * DIR/<recordedAt>-<command>/<provider>.json one ProviderRecording
 */
export const RECORDING_FORMAT = 'lockstep-recording/1';

export interface RunRecord {
  format: typeof RECORDING_FORMAT;
  /** Lockstep's version that recorded it. */
  lockstep: string;
  command: string;
  recordedAt: string;
  /** Provider names, each with a `<name>.json`. */
  providers: string[];
}

/** One HTTP exchange as kept: only the headers http-keep.ts allows, secret fields replaced, the tenant's hosts renamed. */
export interface RecordedExchange {
  method: string;
  /** Absolute, with the tenant's origin renamed (`https://<provider>.recorded.invalid`). */
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  /** Absent when no answer came (`error` says what the transport saw). */
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: unknown;
  error?: { name: string; message: string; code?: string };
}

export type RecordedCall =
  | { call: 'observe'; options: { resync?: boolean }; result: Answer<ObservedProvider> }
  | { call: 'observeAccounts'; ids: string[]; result: Answer<ObservedProvider> }
  | { call: 'apply'; change: PlanChange; result: Answer<ApplyOutcome> };

/** What a call returned, or the error it threw (its name, message and whether it was transient). */
export type Answer<T> = { value: T } | { error: { name: string; message: string; transient?: boolean } };

/** A thrown error as an Answer keeps it: the same on recording and on replay, so the two compare. */
export function errorAnswer(e: unknown): { error: { name: string; message: string; transient?: boolean } } {
  const err = e as Error;
  return { error: { name: err.name, message: err.message, ...(e instanceof ProviderError ? { transient: e.transient } : {}) } };
}

export interface ProviderRecording {
  format: typeof RECORDING_FORMAT;
  provider: string;
  type: string;
  /** The Config connection: secret references and file paths replaced, hosts renamed. */
  connection: Record<string, unknown>;
  /** The groups the run's policy manages here (Kubernetes suspends only these). */
  managedGroups: string[];
  /** `read` when the run only observed (read-only scopes were asked for), `write` when it could apply; absent means `write`. */
  access?: 'read' | 'write';
  /** The provider's kept documents (delta links) as the run found them. */
  state: Record<string, string>;
  /** Origins the provider reached, renamed as in `exchanges` ("kept" for the vendors' public API hosts). */
  origins: string[];
  calls: RecordedCall[];
  exchanges: RecordedExchange[];
}

export interface RecordedRun {
  dir: string;
  run: RunRecord;
  providers: ProviderRecording[];
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError(`${path}: not JSON`);
  }
}

/** The run folders under DIR (or DIR itself when it is one), in the order they were recorded. */
export function readRecordings(dir: string): RecordedRun[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new UserError(`${dir}: cannot read the recording folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const runDirs = entries.includes('run.json')
    ? [dir]
    : entries
        .filter((e) => statSync(join(dir, e)).isDirectory() && readdirSync(join(dir, e)).includes('run.json'))
        .sort()
        .map((e) => join(dir, e));
  if (runDirs.length === 0) throw new UserError(`${dir}: no recorded run here (a run folder holds run.json)`);
  return runDirs.map((runDir) => {
    const run = readJson<RunRecord>(join(runDir, 'run.json'));
    const format: unknown = run.format;
    if (format !== RECORDING_FORMAT) throw new UserError(`${join(runDir, 'run.json')}: format ${String(format)}, not ${RECORDING_FORMAT}`);
    const providers = run.providers.map((name) => {
      if (!/^[\w.-]+$/.test(name)) throw new UserError(`${join(runDir, 'run.json')}: provider name ${JSON.stringify(name)} is not a file name`);
      const rec = readJson<ProviderRecording>(join(runDir, `${name}.json`));
      if (rec.format !== RECORDING_FORMAT || rec.provider !== name)
        throw new UserError(`${join(runDir, `${name}.json`)}: not the ${RECORDING_FORMAT} recording of ${name}`);
      return rec;
    });
    return { dir: runDir, run, providers };
  });
}
