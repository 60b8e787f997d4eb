#!/usr/bin/env node
// Planning benchmark (npm run bench): organisations of 1k, 10k and 100k people across
// 5 providers (okta, google, entra, kubernetes, scim). Each size is generated once, then
// planned several times in a fresh process from a snapshot in memory: resolve
// entitlements + diff + guard + checksum (assemblePlan). Reports median wall time, CPU
// time, peak RSS, and the growth ratio between sizes; the roster load and snapshot parse
// before it are timed once and shown beside it. Targets (issue #2): 100k × 5
// providers in ≤ 3 s and ≤ 1.5 GB; 10× the people costs ≤ 12× the time.
//
//   npm run bench                 # all sizes
//   node bench/plan-bench.mjs 1000 10000 --runs 5
//   node bench/plan-bench.mjs 10000 --against ../other   # also plan with another build
//
// --against DIR plans the same generated organisations with the build in DIR (a checkout
// with its own `npm run build` done), runs interleaved with this build's, and prints both
// medians, their ratio and whether the two plans' checksums are the same.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'src');
const PROVIDERS = Object.freeze([
  { name: 'okta', type: 'okta' },
  { name: 'gws', type: 'google' },
  { name: 'entra', type: 'entra' },
  { name: 'k8s', type: 'kubernetes' },
  { name: 'app', type: 'scim' },
]);
const NOW = '2026-11-20T09:00:00Z';
const UNORDERED = 'snapshot-unordered.json';

const args = process.argv.slice(2);
const mode = args[0];

if (mode === '--generate') await generate(Number(args[1]), args[2]);
else if (mode === '--plan') await plan(args[1], Number(args[2]), args[3], args[4]);
else await main();

/** Writes the policy folder and the snapshot for one size. */
async function generate(people, dir) {
  const { generateOrg } = await import(join(dist, 'demo', 'org.js'));
  const { writePolicyFolder } = await import(join(dist, 'demo', 'write-policy.js'));
  const { inCanonicalOrder } = await import(join(dist, 'snapshot', 'order.js'));
  const org = generateOrg({ people, providers: PROVIDERS, now: new Date(NOW), seed: 7 });
  await writePolicyFolder(join(dir, 'policies'), org);
  // In the order `lockstep observe` writes a snapshot: accounts and members by id.
  const providers = Object.fromEntries(Object.entries(org.snapshot.providers).map(([name, p]) => [name, inCanonicalOrder(p)]));
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ ...org.snapshot, providers }));
  // And in no particular order, as a snapshot from elsewhere might list them (planning
  // looks group members up one by one when they are not in id order). Shuffled with a fixed
  // seed: the generator lists accounts in roster order, which no provider does and which
  // would flatter the lookups.
  const random = seeded(11);
  const shuffled = Object.fromEntries(
    Object.entries(org.snapshot.providers).map(([name, p]) => [
      name,
      { ...p, accounts: shuffle(p.accounts, random), groups: p.groups.map((g) => ({ ...g, members: shuffle(g.members, random) })) },
    ]),
  );
  writeFileSync(join(dir, UNORDERED), JSON.stringify({ ...org.snapshot, providers: shuffled }));
}

/** A small deterministic generator (mulberry32). */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates). */
function shuffle(list, random) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Loads policy, roster and snapshot (not timed), then times assemblePlan `runs` times. */
async function plan(dir, runs, snapshotFile = 'snapshot.json', build = dist) {
  // Builds from before the provider catalogue was a loading input load policy from src/policy.
  const { loadPolicy } = await import(join(build, 'run', 'load-policy.js')).catch(() => import(join(build, 'policy', 'load.js')));
  const { loadRoster } = await import(join(build, 'roster', 'load.js'));
  // The plan's steps in order (draft, guard, seal); builds from before the guard ran over a finished plan had them in one.
  const { assemblePlan } = await import(join(build, 'run', 'assemble-plan.js')).catch(() => import(join(build, 'plan', 'assemble.js')));
  const { EMPTY_HISTORY } = await import(join(build, 'journal', 'history.js'));
  // Builds from before capabilities were a planning input ignore it.
  const planning = await import(join(build, 'run', 'planning.js')).catch(() => null);
  const { planChecksum } = await import(join(build, 'plan', 'checksum.js'));
  const policy = await loadPolicy(join(dir, 'policies'), { checkSecrets: false });
  // Loading is not planning, but it is timed once and reported beside it: the roster loader
  // builds the identity index that planning matches accounts with.
  const rosterStarted = performance.now();
  const roster = await loadRoster(policy);
  const rosterLoad = performance.now() - rosterStarted;
  const snapshotStarted = performance.now();
  const snapshot = JSON.parse(readFileSync(join(dir, snapshotFile), 'utf8'));
  const snapshotParse = performance.now() - snapshotStarted;
  globalThis.gc?.();
  const loadedRss = process.memoryUsage().rss;
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    last = assemblePlan({ policy, providers: planning?.planningProviders(policy), roster, snapshot, now: new Date(NOW), history: EMPTY_HISTORY });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    samples.push({ wall, cpu: (cpu.user + cpu.system) / 1000 });
    // The checksum the plan would have as format 1.1 (without the guard baseline 1.2 added), to compare with older builds.
    const { baseline: _baseline, ...as11 } = last;
    const checksum11 = planChecksum({ ...as11, formatVersion: '1.1' });
    last = { changes: last.changes.length, findings: last.findings.length, tripped: last.guard.tripped, checksum: last.checksum, checksum11 };
    globalThis.gc?.();
  }
  const accounts = Object.values(snapshot.providers).reduce((n, p) => n + p.accounts.length, 0);
  const memberships = Object.values(snapshot.providers).reduce((n, p) => n + p.groups.reduce((m, g) => m + g.members.length, 0), 0);
  process.stdout.write(
    JSON.stringify({
      people: roster.people.length,
      accounts,
      memberships,
      samples,
      rosterLoad,
      snapshotParse,
      loadedRss,
      peakRss: process.resourceUsage().maxRSS * 1024,
      ...last,
    }) + '\n',
  );
}

async function main() {
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--runs').map(Number);
  const runsFlag = args.indexOf('--runs');
  const runsOverride = runsFlag >= 0 ? Number(args[runsFlag + 1]) : undefined;
  const againstFlag = args.indexOf('--against');
  const against = againstFlag >= 0 ? join(args[againstFlag + 1], 'dist', 'src') : null;
  const list = sizes.length ? sizes : [1000, 10000, 100000];
  console.log(`Planning benchmark: ${PROVIDERS.length} providers, node ${process.version}, ${cpus().length} CPUs`);
  console.log('people    accounts  memberships  changes  wall median  cpu median  rss loaded  rss peak  (roster load, snapshot parse: once, not planning)');
  const results = [];
  for (const people of list) {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
    try {
      execFileSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--generate', String(people), dir], { stdio: 'inherit' });
      const runs = runsOverride ?? (people >= 100000 ? 5 : people >= 10000 ? 7 : 11);
      const measureWith = (snapshotFile, build) => {
        const out = execFileSync(
          process.execPath,
          ['--expose-gc', '--max-old-space-size=8192', fileURLToPath(import.meta.url), '--plan', dir, String(runs), snapshotFile, build],
          { encoding: 'utf8', maxBuffer: 1 << 26 },
        );
        const r = JSON.parse(out.trim().split('\n').at(-1));
        r.wallMedian = median(r.samples.map((s) => s.wall));
        r.cpuMedian = median(r.samples.map((s) => s.cpu));
        return r;
      };
      const measure = (snapshotFile) => {
        if (!against) return measureWith(snapshotFile, dist);
        // Interleaved, three processes each, so that a noisy neighbour hits both builds alike.
        const mine = [];
        const theirs = [];
        for (let k = 0; k < 3; k++) {
          mine.push(measureWith(snapshotFile, dist));
          theirs.push(measureWith(snapshotFile, against));
        }
        const pooled = (rs) => ({
          ...rs[0],
          samples: rs.flatMap((r) => r.samples),
          wallMedian: median(rs.flatMap((r) => r.samples.map((s) => s.wall))),
          cpuMedian: median(rs.flatMap((r) => r.samples.map((s) => s.cpu))),
        });
        const r = pooled(mine);
        const o = pooled(theirs);
        r.note = `  against ${args[againstFlag + 1]}: ${ms(o.wallMedian)} → ratio ${(r.wallMedian / o.wallMedian).toFixed(3)}; checksum ${r.checksum === o.checksum ? 'same' : r.checksum11 === o.checksum11 ? 'same but for the format 1.2 baseline' : `DIFFERS (${o.checksum})`}`;
        return r;
      };
      const row = (r, note = '') =>
        console.log(
          `${String(r.people).padEnd(9)} ${String(r.accounts).padEnd(9)} ${String(r.memberships).padEnd(12)} ${String(r.changes).padEnd(8)} ${ms(r.wallMedian).padEnd(12)} ${ms(r.cpuMedian).padEnd(11)} ${mb(r.loadedRss).padEnd(11)} ${mb(r.peakRss).padEnd(9)} (${ms(r.rosterLoad)}, ${ms(r.snapshotParse)}) ${r.checksum}${note}${r.note ?? ''}`,
        );
      const r = measure('snapshot.json');
      results.push(r);
      row(r);
      row(measure(UNORDERED), '  snapshot in no order');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1];
    const b = results[i];
    console.log(`${b.people / a.people}× the people (${a.people} → ${b.people}): ${(b.wallMedian / a.wallMedian).toFixed(2)}× the time`);
  }
  const big = results.find((r) => r.people === 100000);
  if (big) {
    console.log(
      `target 100k × 5 providers: ≤ 3000 ms → ${ms(big.wallMedian)} ${big.wallMedian <= 3000 ? 'met' : 'MISSED'}; ≤ 1.5 GB → ${mb(big.peakRss)} ${big.peakRss <= 1.5 * 1024 ** 3 ? 'met' : 'MISSED'}`,
    );
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function ms(x) {
  return `${x.toFixed(0)} ms`;
}
function mb(x) {
  return `${(x / 1024 ** 2).toFixed(0)} MB`;
}
