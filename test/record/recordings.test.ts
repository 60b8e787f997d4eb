import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/emulator/exchanges.js';
import { silentLogger } from '../../src/cli/output.js';
import { readRecordings, type RecordedExchange } from '../../src/record/recording.js';
import { replayProblems, replayRun } from '../../src/record/replay.js';
import { checkVendorExchanges } from '../contracts/record.js';
import { hasDefinition, type Vendor } from '../contracts/vendors.js';

/**
 * Every recording kept in test/recordings/ (docs/recording.md): each recorded run is
 * replayed through today's providers and must answer every call as it was recorded;
 * and where the vendor's API definition is present, every exchange in it is checked
 * against the definition like the emulators' own.
 */
const root = join(import.meta.dirname, '..', 'recordings');
const kept = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const VENDOR: Record<string, Vendor> = { okta: 'okta', google: 'google', entra: 'graph', kubernetes: 'kubernetes', scim: 'scim' };

/** A recorded exchange in the form the contract checks read. */
function asExchange(x: RecordedExchange): Exchange | null {
  if (x.status === undefined) return null;
  const url = new URL(x.url);
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  return {
    method: x.method,
    path: url.pathname,
    template: '',
    query,
    requestHeaders: x.requestHeaders,
    requestBody: x.requestBody,
    status: x.status,
    responseHeaders: x.responseHeaders ?? {},
    responseBody: x.responseBody,
    injected: false,
  };
}

describe('kept recordings', () => {
  it('are there', () => {
    expect(kept.length).toBeGreaterThan(0);
  });

  describe.each(kept)('%s', (name) => {
    const runs = readRecordings(join(root, name));

    it.each(runs.map((r) => [r.dir.slice(r.dir.lastIndexOf('/') + 1), r] as const))('replays %s as recorded', async (_, run) => {
      const replay = await replayRun(run, silentLogger);
      expect(replay.providers.flatMap((p) => p.calls).length).toBeGreaterThan(0);
      expect(replayProblems(replay)).toEqual([]);
    });

    it('agrees with the vendors’ API definitions where they are present', () => {
      const byVendor = new Map<Vendor, Exchange[]>();
      for (const p of runs.flatMap((r) => r.providers)) {
        const vendor = VENDOR[p.type];
        if (!vendor) continue;
        const list = byVendor.get(vendor) ?? [];
        list.push(...p.exchanges.map(asExchange).filter((x): x is Exchange => x !== null));
        byVendor.set(vendor, list);
      }
      expect(byVendor.size).toBeGreaterThan(0);
      for (const [vendor, exchanges] of byVendor) {
        if (!hasDefinition(vendor)) {
          console.log(`${vendor} API definition: not present; ${exchanges.length} recorded exchanges of ${name} not checked`);
          continue;
        }
        const result = checkVendorExchanges(vendor, exchanges);
        console.log(`${vendor} API definition: ${result.checked} recorded exchanges of ${name} checked (${result.operations} operations)`);
        expect(result.problems, `${name}: recorded exchanges that disagree with the ${vendor} API definition`).toEqual([]);
      }
    });
  });
});
