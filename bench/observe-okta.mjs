#!/usr/bin/env node
// Okta observation benchmark: an emulated org of 10,000 users and 1,000 groups of 30
// members, 20 ms added to every request, observed through the Okta provider (the
// official SDK over real HTTP). Reports requests per endpoint against the minimum of
// 1,055 (50 user pages + 5 group pages + 1,000 member pages at limit 200) and the
// median wall time of 3 runs. The emulator runs in a worker thread, so its own CPU time
// (rendering 40,000 users as JSON) does not queue behind the provider's on one thread,
// as a remote org's would not. Needs the build output: npm run build.
//
//   node bench/observe-okta.mjs
//   node bench/observe-okta.mjs --runs 5 --latency 20
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isMain, median, printEndpoints } from './observe-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const USERS = 10_000;
const GROUPS = 1_000;
const MEMBERS = 30;
const PAGE = 200;
const MINIMUM = Math.ceil(USERS / PAGE) + Math.ceil(GROUPS / PAGE) + GROUPS * Math.ceil(MEMBERS / PAGE);
const TOKEN = 'bench-okta-token-0123456789';

/** A deterministic org: user i is in groups spread evenly over the id space. */
function seedOrg() {
  const uid = (i) => `00u${String(i).padStart(6, '0')}`;
  const accounts = Array.from({ length: USERS }, (_, i) => ({
    id: uid(i),
    login: `user${i}@acme.com`,
    emails: [`user${i}@acme.com`],
    status: i % 50 === 0 ? 'suspended' : i % 97 === 0 ? 'deprovisioned' : 'active',
    ...(i % 3 === 0 ? { externalId: `E${i}` } : {}),
    lastLoginAt: new Date(Date.UTC(2026, 10, 1) - i * 60_000).toISOString(),
  }));
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    id: `00g${String(g).padStart(5, '0')}`,
    name: `Group ${g}`,
    members: Array.from({ length: MEMBERS }, (_, k) => uid((g * 7 + k * 331) % USERS)),
  }));
  return { type: 'okta', accounts, groups };
}

/** Worker side: runs the emulator and answers `counters` and `close` messages. */
async function serveEmulator({ seed, latencyMs }) {
  const { startOktaEmulator } = await import(join(dist, 'providers', 'okta', 'emulator', 'index.js'));
  // A bucket limit high enough that the benchmark measures requests and latency, not waiting.
  const emu = await startOktaEmulator({ seed, token: TOKEN, latencyMs, rateLimit: { limit: 100_000, windowMs: 60_000 } });
  parentPort.on('message', async (m) => {
    if (m === 'counters') parentPort.postMessage({ requests: emu.counters.snapshot(), total: emu.counters.total(), rateLimited: emu.limits.rejected });
    if (m === 'close') {
      await emu.close();
      parentPort.close();
    }
  });
  parentPort.postMessage({ url: emu.url });
}

function startEmulatorWorker(seed, latencyMs) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed, latencyMs } });
  const next = () =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  return next().then(({ url }) => ({
    url,
    counters: () => (worker.postMessage('counters'), next()),
    close: () => (worker.postMessage('close'), new Promise((resolve) => worker.once('exit', resolve))),
  }));
}

/** One run: a fresh emulator, one observation; returns requests and wall time. */
async function once(seed, latencyMs) {
  const { oktaModule } = await import(join(dist, 'providers', 'okta', 'index.js'));
  const { SecretResolver } = await import(join(dist, 'src', 'policy', 'secrets.js'));
  const { fileStore } = await import(join(dist, 'src', 'state', 'file-store.js'));
  const emu = await startEmulatorWorker(seed, latencyMs);
  const silent = { info() {}, warn() {}, debug() {} };
  const ctx = {
    name: 'okta-bench',
    policyDir: here,
    stateDir: here,
    state: fileStore(here).forProvider('okta-bench', here),
    secrets: new SecretResolver({ OKTA_TOKEN: TOKEN }),
    log: silent,
    confirmations: new Map(),
  };
  const provider = oktaModule.create({ type: 'okta', orgUrl: emu.url, token: '${env:OKTA_TOKEN}' }, ctx);
  try {
    const t0 = performance.now();
    const observed = await provider.observe();
    const wallMs = performance.now() - t0;
    const memberships = observed.groups.reduce((n, g) => n + g.members.length, 0);
    if (observed.accounts.length !== USERS || observed.groups.length !== GROUPS || memberships !== GROUPS * MEMBERS) {
      throw new Error(`incomplete observation: ${observed.accounts.length} users, ${observed.groups.length} groups, ${memberships} memberships`);
    }
    return { wallMs, ...(await emu.counters()) };
  } finally {
    await provider.close();
    await emu.close();
  }
}

export async function run({ runs = 3, latencyMs = 20 } = {}) {
  const seed = seedOrg();
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(seed, latencyMs));
  const last = samples.at(-1);
  return {
    users: USERS,
    groups: GROUPS,
    membersPerGroup: MEMBERS,
    latencyMs,
    runs,
    requestsByEndpoint: last.requests,
    totalRequests: last.total,
    minimumRequests: MINIMUM,
    ratio: last.total / MINIMUM,
    rateLimited: last.rateLimited,
    wallMsMedian: median(samples.map((s) => s.wallMs)),
    wallMsSamples: samples.map((s) => Math.round(s.wallMs)),
  };
}

if (!isMainThread) await serveEmulator(workerData);
else if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const r = await run({ runs: flag('--runs', 3), latencyMs: flag('--latency', 20) });
  console.log(`Okta observe: ${r.users} users, ${r.groups} groups × ${r.membersPerGroup} members, ${r.latencyMs} ms per request, node ${process.version}`);
  printEndpoints(r.requestsByEndpoint);
  console.log(`requests: ${r.totalRequests} (minimum ${r.minimumRequests}, ratio ${r.ratio.toFixed(3)}); 429 answers: ${r.rateLimited}`);
  console.log(`wall time: median ${r.wallMsMedian.toFixed(0)} ms of ${r.runs} runs (${r.wallMsSamples.join(', ')} ms)`);
}
