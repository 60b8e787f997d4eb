import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ExchangeLog, type Exchange } from '../../src/emulator/exchanges.js';
import { checkExchanges } from './check.js';
import { outsideGap, unexplained } from './gaps.js';
import { hasDefinition, loadDefinition, type Vendor } from './vendors.js';

/**
 * An exchange log for the emulators a test file starts; when the file's tests are done,
 * every exchange recorded is checked against the vendor's published definition and the
 * file fails on any problem the gaps list does not explain. Prints what was checked.
 */
export function contractLog(vendor: Vendor): ExchangeLog {
  const log = new ExchangeLog();
  afterAll(() => {
    if (!hasDefinition(vendor)) {
      console.log(`${vendor} API definition: not present (see test/contracts/sources/README.md); ${log.exchanges.length} exchanges not checked`);
      return;
    }
    const result = checkVendorExchanges(vendor, log.exchanges);
    console.log(
      `${vendor} API definition: ${result.checked} exchanges checked (${result.requestShapes} request shapes, ${result.responseShapes} response shapes, ${result.operations} operations)` +
        (result.outside ? `, ${result.outside} outside it (see test/contracts/gaps.ts)` : ''),
    );
    writeShapes(vendor, result.shapes);
    expect(result.problems, `exchanges that disagree with the ${vendor} API definition`).toEqual([]);
  });
  return log;
}

/**
 * The shapes a file checked, in test-output/contracts/ (one file per test file), so that
 * `node scripts/contract-summary.mjs` can count them over the whole suite.
 */
function writeShapes(vendor: Vendor, shapes: { requests: Set<string>; responses: Set<string>; operations: Set<string> }): void {
  const dir = join(import.meta.dirname, '..', '..', 'test-output', 'contracts');
  mkdirSync(dir, { recursive: true });
  const file = basename(expect.getState().testPath ?? 'unknown', '.test.ts');
  writeFileSync(
    join(dir, `${vendor}--${file}.json`),
    JSON.stringify({ vendor, operations: [...shapes.operations].sort(), requests: [...shapes.requests].sort(), responses: [...shapes.responses].sort() }, null, 1),
  );
}

export function checkVendorExchanges(vendor: Vendor, exchanges: readonly Exchange[]) {
  const api = loadDefinition(vendor);
  const inside = exchanges.filter((x) => !outsideGap(vendor, x.method, x.path));
  const r = checkExchanges(api, inside);
  return {
    checked: inside.length,
    outside: exchanges.length - inside.length,
    requestShapes: r.requestShapes.size,
    responseShapes: r.responseShapes.size,
    operations: r.operations.size,
    problems: unexplained(vendor, r.problems),
    shapes: { requests: r.requestShapes, responses: r.responseShapes, operations: r.operations },
  };
}
