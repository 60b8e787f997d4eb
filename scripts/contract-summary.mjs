#!/usr/bin/env node
// Counts, per vendor, the distinct request and response shapes the contract checks compared
// with the vendor's API definition over the last test run (test/contracts/record.ts writes
// them to test-output/contracts/). A request shape is a method, a path template and the query
// parameters' names (and whether a body was checked); a response shape adds the status.
//
//   npx vitest run test/providers && node scripts/contract-summary.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-output', 'contracts');
const byVendor = new Map();
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  console.error(`no contract results in ${dir}: run the provider tests first (with the vendors' definitions present)`);
  process.exit(1);
}
for (const f of files) {
  const { vendor, operations, requests, responses } = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const v = byVendor.get(vendor) ?? { files: 0, operations: new Set(), requests: new Set(), responses: new Set() };
  v.files += 1;
  operations.forEach((o) => v.operations.add(o));
  requests.forEach((r) => v.requests.add(r));
  responses.forEach((r) => v.responses.add(r));
  byVendor.set(vendor, v);
}
for (const [vendor, v] of [...byVendor].sort()) {
  console.log(`${vendor}: ${v.operations.size} operations, ${v.requests.size} request shapes, ${v.responses.size} response shapes, from ${v.files} test files`);
}
