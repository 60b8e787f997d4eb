import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script of the bench (npm run bench:kill runs it with 20 trials per backend).
import { killTrials } from '../../bench/kill-trials.mjs';
import { freshDatabase, testPostgres } from '../support/postgres.js';

interface TrialResult {
  killed: boolean;
  converged: boolean;
  lost: number;
  duplicated: number;
  journal: string;
  detail: string[];
}

/**
 * The kill trials of bench/kill-trials.mjs, one per backend: `lockstep apply` on the demo
 * organisation SIGKILLed at a random state-changing request, then run again. Every trial
 * must converge to the uninterrupted run's end state with nothing lost, nothing applied
 * twice, and a journal that verifies.
 */
describe.each(['file', ...(testPostgres ? ['postgres'] : [])])('apply SIGKILLed mid-run on the %s backend', (backend) => {
  it('converges on the rerun: nothing lost, nothing duplicated, the journal verifies', async () => {
    let seed = backend === 'file' ? 0.37 : 0.71;
    const { results } = (await killTrials({ trials: 1, backend, pg: { freshDatabase }, random: () => (seed = (seed * 9301 + 0.49297) % 1) })) as {
      results: TrialResult[];
    };
    for (const r of results) {
      expect(r.killed, 'the apply was killed before it finished').toBe(true);
      expect(r, r.detail.join('\n')).toMatchObject({ converged: true, lost: 0, duplicated: 0, journal: 'verified' });
    }
  }, 240_000);
});
