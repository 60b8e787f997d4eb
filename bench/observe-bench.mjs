#!/usr/bin/env node
// Observation benchmark (part of npm run bench): each provider with an emulator observes
// an organisation of 10,000 users and 1,000 groups of 30 members (Kubernetes: 8,000
// bindings of 5 subjects), 20 ms added to every
// request, through its official SDK over real HTTP. Reports the API requests the
// emulator counted against the minimum a complete listing needs at the API's largest
// page size (target: at most 1.05 × the minimum) and the median wall time.
//
//   node bench/observe-bench.mjs            # every provider
//   node bench/observe-bench.mjs okta       # one
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES = ['okta', 'google', 'entra', 'kubernetes'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const list = wanted.length ? wanted : BENCHES;

console.log(`Observation benchmark: 10,000 users, 1,000 groups × 30 members, 20 ms per request, node ${process.version}`);
console.log('provider    requests  minimum  ratio   wall median  (runs)');
const rows = [];
for (const name of list) {
  const file = join(here, `observe-${name}.mjs`);
  if (!existsSync(file)) continue;
  const { run } = await import(pathToFileURL(file).href);
  const raw = await run();
  // Entra reports a full and an incremental (delta) observation.
  const r = raw.full
    ? {
        ...raw.full,
        incremental: raw.delta && {
          ...raw.delta,
          changed: `${raw.delta.changedUsers} users and ${raw.delta.changedMemberships} memberships changed`,
          wallMsMedian: raw.delta.wallMs,
        },
      }
    : raw;
  rows.push({ name, ...r });
  console.log(
    `${name.padEnd(11)} ${String(r.totalRequests).padStart(8)}  ${String(r.minimumRequests).padStart(7)}  ${r.ratio.toFixed(3)}  ${`${Math.round(r.wallMsMedian)} ms`.padStart(11)}  (${r.wallMsSamples.join(', ')})`,
  );
  if (r.incremental) {
    const inc = r.incremental;
    console.log(
      `${''.padEnd(11)} incremental after ${inc.changed}: ${inc.totalRequests} requests (${(inc.ratioToFull * 100).toFixed(2)}% of the full), ${Math.round(inc.wallMsMedian)} ms`,
    );
  }
}
const over = rows.filter((r) => r.ratio > 1.05);
if (over.length) {
  console.log(`over budget (> 1.05 × the minimum): ${over.map((r) => r.name).join(', ')}`);
  process.exitCode = 1;
}
