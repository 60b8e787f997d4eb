import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { UserError } from '../errors.js';
import { schemaIssues } from '../policy/schemas.js';
import type { Snapshot } from '../types/index.js';

/** Reads and schema-checks a snapshot file (`plan --snapshot`). */
export async function readSnapshot(file: string): Promise<Snapshot> {
  const shown = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${shown}: cannot read the snapshot file`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${shown}:1:1: not valid JSON (${(e as Error).message})`);
  }
  const problems = schemaIssues('snapshot', data);
  if (problems.length) {
    throw new UserError(problems.map((p) => ({ message: `${shown}: /${p.path.join('/')}: ${p.message}` })));
  }
  const snapshot = data as Snapshot;
  const major = snapshot.formatVersion.split('.')[0];
  if (major !== '1') throw new UserError(`${shown}: snapshot formatVersion ${snapshot.formatVersion} is not supported (expected 1.x)`);
  return snapshot;
}
