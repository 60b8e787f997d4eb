#!/usr/bin/env node
// Google observe benchmark: a Workspace of 10,000 users and 1,000 groups of 30 members
// in the emulator, 20 ms of latency on every request, observed through the provider
// (Google's own client, over HTTP). Reports the requests per endpoint against the
// floor of 1,025 (20 user pages + 5 group pages + 1,000 member pages; the token request
// is counted apart) and the median wall time of 3 observations. Needs `npm run build`.
//
//   node bench/observe-google.mjs
//   node bench/observe-google.mjs --users 10000 --groups 1000 --members 30 --latency 20 --runs 3 --concurrency 8
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMain, median, numericArgs, printEndpoints } from './observe-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');

const DEFAULTS = Object.freeze({ users: 10_000, groups: 1_000, members: 30, latency: 20, runs: 3, concurrency: undefined });

/** A deterministic workspace: user i is in groups chosen by a fixed stride. */
function seedOf({ users, groups, members }) {
  const accounts = Array.from({ length: users }, (_, i) => ({
    id: String(100_000_000_000_000_000_000n + BigInt(i)),
    login: `user${i}@acme.com`,
    status: i % 50 === 0 ? 'suspended' : 'active',
    emails: [`user${i}@acme.com`],
    externalId: `E${i}`,
  }));
  const list = Array.from({ length: groups }, (_, g) => ({
    id: `0${g.toString(36).padStart(14, 'x')}`,
    name: `group${g}@acme.com`,
    members: Array.from({ length: members }, (_, k) => accounts[(g * 7 + k * 331) % users].id),
  }));
  return { type: 'google', accounts, groups: list };
}

/** Runs the benchmark and returns its figures. */
export async function run(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { googleModule } = await import(pathToFileURL(join(dist, 'providers', 'google', 'index.js')).href);
  const { startGoogleEmulator } = await import(pathToFileURL(join(dist, 'providers', 'google', 'emulator', 'index.js')).href);
  const { SecretResolver } = await import(pathToFileURL(join(dist, 'src', 'policy', 'secrets.js')).href);
  const { fileStore } = await import(pathToFileURL(join(dist, 'src', 'state', 'file-store.js')).href);
  const seed = seedOf(o);
  const emu = await startGoogleEmulator({ seed, latencyMs: o.latency });
  const silent = { info() {}, warn() {}, debug() {} };
  const ctx = {
    name: 'gws',
    policyDir: here,
    stateDir: here,
    state: fileStore(here).forProvider('gws', here),
    secrets: new SecretResolver({ GOOGLE_BENCH_KEY: emu.serviceAccountKey() }),
    log: silent,
    confirmations: new Map(),
  };
  const connection = {
    type: 'google',
    customer: 'my_customer',
    subject: emu.admin,
    credentials: '${env:GOOGLE_BENCH_KEY}',
    rootUrl: emu.url,
    ...(o.concurrency ? { observeConcurrency: o.concurrency } : {}),
  };
  const floor = Math.ceil(o.users / 500) + Math.ceil(o.groups / 200) + o.groups * Math.max(1, Math.ceil(o.members / 200));
  const runs = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      const provider = googleModule.create(connection, ctx);
      emu.counters.reset();
      const t0 = performance.now();
      const observed = await provider.observe();
      const ms = performance.now() - t0;
      await provider.close();
      const byEndpoint = emu.counters.snapshot();
      const tokenRequests = byEndpoint['POST /token'] ?? 0;
      const apiRequests = emu.counters.total() - tokenRequests;
      const memberships = observed.groups.reduce((n, g) => n + g.members.length, 0);
      if (observed.accounts.length !== o.users || observed.groups.length !== o.groups || memberships !== o.groups * o.members) {
        throw new Error(`incomplete observation: ${observed.accounts.length} users, ${observed.groups.length} groups, ${memberships} memberships`);
      }
      runs.push({ ms, apiRequests, tokenRequests, byEndpoint });
    }
  } finally {
    await emu.close();
  }
  const last = runs.at(-1);
  return {
    users: o.users,
    groups: o.groups,
    membersPerGroup: o.members,
    latencyMs: o.latency,
    runs: runs.length,
    minimumRequests: floor,
    totalRequests: last.apiRequests,
    tokenRequests: last.tokenRequests,
    ratio: last.apiRequests / floor,
    requestsByEndpoint: last.byEndpoint,
    wallMsSamples: runs.map((r) => Math.round(r.ms)),
    wallMsMedian: Math.round(median(runs.map((r) => r.ms))),
  };
}

if (isMain(import.meta.url)) {
  const r = await run(
    numericArgs(process.argv.slice(2), DEFAULTS, 'observe-google.mjs [--users N] [--groups N] [--members N] [--latency MS] [--runs N] [--concurrency N]'),
  );
  console.log(`Google observe: ${r.users} users, ${r.groups} groups × ${r.membersPerGroup} members, ${r.latencyMs} ms latency per request`);
  console.log('requests by endpoint (last run):');
  printEndpoints(r.requestsByEndpoint);
  console.log(`API requests: ${r.totalRequests} (minimum ${r.minimumRequests}, ratio ${r.ratio.toFixed(3)}); token requests: ${r.tokenRequests}`);
  console.log(`wall time: ${r.wallMsSamples.join(' / ')} ms, median ${r.wallMsMedian} ms`);
}
