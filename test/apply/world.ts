import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan, type ApplyOptions } from '../../src/apply/engine.js';
import { buildHistory } from '../../src/journal/build-history.js';
import { readJournal } from '../../src/journal/reader.js';
import { verifyJournal } from '../../src/journal/verify.js';
import { openJournalFile } from '../../src/journal/file-journal.js';
import { FakeProvider } from '../support/fake-provider.js';
import { aTaskDesk } from '../support/task-desk.js';
import { aLog } from '../support/log.js';
import type { Plan } from '../../src/types/index.js';

export const ALICE = { id: '00u1', login: 'alice@acme.com' };
export const BOB = { id: '00u2', login: 'bob@acme.com' };
export const CAROL = { id: '00u3', login: 'carol@acme.com' };
export const SALES = { id: '00g1', name: 'Sales' };

/** One Okta-like provider: alice and bob active in Sales, carol suspended and in no group. */
export function oktaWorld(delayMs = 0): FakeProvider {
  return new FakeProvider('okta-main', {
    delayMs,
    accounts: [
      { ...ALICE, status: 'active' },
      { ...BOB, status: 'active' },
      { ...CAROL, status: 'suspended' },
    ],
    groups: [{ ...SALES, members: [ALICE.id, BOB.id] }],
  });
}

/** A temporary state folder with a journal; each `apply` reads the journal back as history, like the CLI. */
export async function aJournalDir() {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-apply-'));
  const path = join(dir, 'journal.jsonl');
  return {
    path,
    records: () => readJournal(path),
    verify: () => verifyJournal(path),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    async apply(plan: Plan, providers: FakeProvider[], extra: Partial<ApplyOptions> = {}) {
      const journal = await openJournalFile(path);
      const log = aLog();
      try {
        const report = await applyPlan({
          plan,
          providers: new Map(providers.map((p) => [p.name, p])),
          journal,
          history: buildHistory(await readJournal(path)),
          actor: 'ops@test',
          guardApprovedBy: null,
          approvedChanges: new Set(),
          backoff: { baseMs: 1, maxMs: 5 },
          log,
          taskDesk: aTaskDesk().desk,
          ...extra,
        });
        return { report, log };
      } finally {
        await journal.close();
      }
    },
  };
}
