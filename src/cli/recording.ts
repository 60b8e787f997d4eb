import { resolve } from 'node:path';
import { Recorder } from '../record/recorder.js';
import type { ProviderWiring } from '../run/connect.js';
import { writeErr } from './output.js';
import { lockstepVersion } from './version.js';

/**
 * Runs a command with `--record DIR`: every provider it creates is wired to a recorder,
 * and the run folder is written when the command ends, also when it fails (a failing
 * first run against a real tenant is the one most worth replaying).
 */
export async function withRecording<T>(dir: string | undefined, command: string, run: (wire: ProviderWiring | undefined) => Promise<T>): Promise<T> {
  if (dir === undefined) return run(undefined);
  const recorder = new Recorder(resolve(dir), command, lockstepVersion());
  try {
    return await run(recorder);
  } finally {
    const written = recorder.write();
    writeErr(written ? `recorded this run's provider exchanges, sanitised, in ${written}\n` : `--record: no provider was reached, nothing recorded\n`);
  }
}
