import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { openStateStore } from '../../src/run/state.js';
import { tempDir } from '../cli/run-cli.js';

const silent = { info: () => {}, warn: () => {}, debug: () => {} };

describe('choosing the state store', () => {
  it('refuses a password written into a --state URL, without repeating it', async () => {
    const e = await openStateStore(null, { state: 'postgres://lockstep:hunter2-secret@db.internal/lockstep' }, { log: silent, write: true }).then(
      () => null,
      (x: Error) => x,
    );
    expect(e).toBeInstanceOf(UserError);
    expect(e!.message).toMatch(/carries a password/);
    expect(e!.message).not.toContain('hunter2-secret');
  });

  it('refuses what is not a backend, and --journal with a database', async () => {
    await expect(openStateStore(null, { state: 'mysql://db/x' }, { log: silent, write: false })).rejects.toThrow(/mysql is not a state backend/);
    await expect(openStateStore(null, { state: 'postgres://db.invalid/x', journal: join(tempDir(), 'j.jsonl') }, { log: silent, write: false })).rejects.toThrow(
      /--journal names a journal file/,
    );
  });
});
