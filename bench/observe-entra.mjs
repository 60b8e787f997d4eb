#!/usr/bin/env node
// Microsoft Entra observation benchmark: an emulated tenant of 10,000 users and 1,000
// groups of 30 members, 20 ms added to every request, observed through the Entra provider
// (@microsoft/microsoft-graph-client and @azure/identity over TLS). Reports Graph requests
// per endpoint against the minimum of 1,013 (11 user pages + 2 group pages at $top=999 +
// 1,000 member pages) and the median wall time of 3 full observations; then changes 1% of
// the users (100) and of the memberships (300) behind the provider's back and reports the
// incremental (delta) observation that follows: requests, ratio to the full one, wall time.
// The emulator runs in a worker thread, so its own CPU time does not queue behind the
// provider's on one thread, as a remote tenant's would not. Needs the build output:
// npm run build.
//
//   node bench/observe-entra.mjs
//   node bench/observe-entra.mjs --runs 5 --latency 20 --concurrency 16
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isMain, median, printEndpoints } from './observe-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const USERS = 10_000;
const GROUPS = 1_000;
const MEMBERS = 30;
const PAGE = 999;
const MINIMUM = Math.ceil(USERS / PAGE) + Math.ceil(GROUPS / PAGE) + GROUPS * Math.ceil(MEMBERS / PAGE);
const CHANGED_USERS = USERS / 100;
const CHANGED_MEMBERSHIPS = (GROUPS * MEMBERS) / 100;
const uid = (i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
const gid = (g) => `${String(g).padStart(8, '0')}-0000-4000-9000-000000000000`;

/** A deterministic tenant: user i is in groups spread evenly over the id space. */
function seedTenant() {
  const accounts = Array.from({ length: USERS }, (_, i) => ({
    id: uid(i),
    login: `user${i}@acme.onmicrosoft.com`,
    emails: [`user${i}@acme.com`],
    status: i % 50 === 0 ? 'suspended' : 'active',
    ...(i % 3 === 0 ? { externalId: `E${i}` } : {}),
    lastLoginAt: new Date(Date.UTC(2026, 10, 1) - i * 60_000).toISOString(),
  }));
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    id: gid(g),
    name: `Group ${g}`,
    members: [...new Set(Array.from({ length: MEMBERS }, (_, k) => uid((g * 7 + k * 331) % USERS)))],
  }));
  return { type: 'entra', accounts, groups };
}

/**
 * 1% of the users (a third added, a third disabled, a third deleted) and 1% of the
 * memberships (half added, half removed), deterministically.
 */
function changeOnePercent(emu) {
  const third = Math.floor(CHANGED_USERS / 3);
  for (let i = 0; i < CHANGED_USERS - 2 * third; i++) emu.mutate.addUser({ userPrincipalName: `joiner${i}@acme.onmicrosoft.com` });
  for (let i = 0; i < third; i++) emu.mutate.setEnabled(uid(1 + i * 97), false);
  for (let i = 0; i < third; i++) emu.mutate.deleteUser(uid(5 + i * 89));
  let added = 0;
  let removed = 0;
  for (let g = 0; added + removed < CHANGED_MEMBERSHIPS; g = (g + 3) % GROUPS) {
    const group = emu.store.groups.get(gid(g));
    if (removed < CHANGED_MEMBERSHIPS / 2) {
      const member = [...group.members][0];
      emu.mutate.removeMember(gid(g), member);
      removed++;
    } else {
      const candidate = uid((g * 13 + 17) % USERS);
      if (!group.members.has(candidate) && emu.store.users.has(candidate)) {
        emu.mutate.addMember(gid(g), candidate);
        added++;
      }
    }
  }
}

const summary = (o) => ({
  users: o.accounts.length,
  suspended: o.accounts.filter((a) => a.status === 'suspended').length,
  groups: o.groups.length,
  memberships: o.groups.reduce((n, g) => n + g.members.length, 0),
});

/** Worker side: runs the emulator and answers commands. */
async function serveEmulator({ seed, latencyMs }) {
  const { startEntraEmulator } = await import(join(dist, 'providers', 'entra', 'emulator', 'index.js'));
  const emu = await startEntraEmulator({ seed, latencyMs });
  parentPort.on('message', async (m) => {
    if (m === 'counters') parentPort.postMessage({ requests: emu.counters.snapshot() });
    if (m === 'reset') {
      emu.counters.reset();
      parentPort.postMessage({});
    }
    if (m === 'change') {
      changeOnePercent(emu);
      parentPort.postMessage({ state: summary(emu.observed()) });
    }
    if (m === 'close') {
      await emu.close();
      parentPort.close();
    }
  });
  parentPort.postMessage({ url: emu.url, caPem: emu.caPem, tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: emu.clientSecret });
}

function startEmulatorWorker(seed, latencyMs) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed, latencyMs } });
  const next = () =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const ask = (m) => (worker.postMessage(m), next());
  return next().then((info) => ({
    ...info,
    counters: () => ask('counters').then((r) => r.requests),
    reset: () => ask('reset'),
    change: () => ask('change').then((r) => r.state),
    close: () => (worker.postMessage('close'), new Promise((resolve) => worker.once('exit', resolve))),
  }));
}

/** Graph requests only (the sign-in service's are reported apart). */
function split(requests) {
  const graph = {};
  const signIn = {};
  for (const [k, n] of Object.entries(requests)) (k.includes('/oauth2/') || k.includes('openid') ? signIn : graph)[k] = n;
  const total = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  return { graph, signIn, graphTotal: total(graph), signInTotal: total(signIn) };
}

/** One run: a fresh emulator and state folder, a full observation, optionally then a 1% change and a delta one. */
async function once(seed, latencyMs, withDelta, concurrency) {
  const { entraModule } = await import(join(dist, 'providers', 'entra', 'index.js'));
  const { SecretResolver } = await import(join(dist, 'src', 'policy', 'secrets.js'));
  const { fileStore } = await import(join(dist, 'src', 'state', 'file-store.js'));
  const emu = await startEmulatorWorker(seed, latencyMs);
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-entra-bench-'));
  writeFileSync(join(dir, 'ca.pem'), emu.caPem);
  const silent = { info() {}, warn() {}, debug() {} };
  const ctx = {
    name: 'entra-bench',
    policyDir: dir,
    stateDir: join(dir, 'state'),
    state: fileStore(join(dir, 'state')).forProvider('entra-bench', dir),
    secrets: new SecretResolver({ ENTRA_SECRET: emu.clientSecret }),
    log: silent,
    confirmations: new Map(),
    managedGroups: new Set(),
  };
  const connection = {
    type: 'entra',
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: '${env:ENTRA_SECRET}',
    graphUrl: emu.url,
    authorityHost: emu.url,
    caFile: 'ca.pem',
    ...(concurrency ? { observeConcurrency: concurrency } : {}),
  };
  const provider = entraModule.create(connection, ctx);
  try {
    const t0 = performance.now();
    const observed = await provider.observe();
    const wallMs = performance.now() - t0;
    const got = summary(observed);
    if (got.users !== USERS || got.groups !== GROUPS || got.memberships !== GROUPS * MEMBERS) throw new Error(`incomplete observation: ${JSON.stringify(got)}`);
    const full = { wallMs, ...split(await emu.counters()) };
    if (!withDelta) return { full };
    await emu.reset();
    const expected = await emu.change();
    const t1 = performance.now();
    const incremental = await provider.observe();
    const deltaWallMs = performance.now() - t1;
    const merged = summary(incremental);
    if (JSON.stringify(merged) !== JSON.stringify(expected))
      throw new Error(`delta observation differs from the tenant: ${JSON.stringify(merged)} vs ${JSON.stringify(expected)}`);
    return { full, delta: { wallMs: deltaWallMs, ...split(await emu.counters()) } };
  } finally {
    await provider.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ runs = 3, latencyMs = 20, concurrency = undefined } = {}) {
  const seed = seedTenant();
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(seed, latencyMs, i === runs - 1, concurrency));
  const last = samples.at(-1);
  return {
    users: USERS,
    groups: GROUPS,
    membersPerGroup: MEMBERS,
    latencyMs,
    runs,
    full: {
      requestsByEndpoint: last.full.graph,
      signInRequests: last.full.signInTotal,
      totalRequests: last.full.graphTotal,
      minimumRequests: MINIMUM,
      ratio: last.full.graphTotal / MINIMUM,
      wallMsMedian: median(samples.map((s) => s.full.wallMs)),
      wallMsSamples: samples.map((s) => Math.round(s.full.wallMs)),
    },
    delta: {
      changedUsers: CHANGED_USERS,
      changedMemberships: CHANGED_MEMBERSHIPS,
      requestsByEndpoint: last.delta.graph,
      totalRequests: last.delta.graphTotal,
      ratioToFull: last.delta.graphTotal / last.full.graphTotal,
      wallMs: last.delta.wallMs,
    },
  };
}

if (!isMainThread) await serveEmulator(workerData);
else if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const r = await run({ runs: flag('--runs', 3), latencyMs: flag('--latency', 20), concurrency: flag('--concurrency', undefined) });
  console.log(`Entra observe: ${r.users} users, ${r.groups} groups × ${r.membersPerGroup} members, ${r.latencyMs} ms per request, node ${process.version}`);
  console.log('full observation (Graph requests):');
  printEndpoints(r.full.requestsByEndpoint);
  console.log(`  requests: ${r.full.totalRequests} (minimum ${r.full.minimumRequests}, ratio ${r.full.ratio.toFixed(3)}); sign-in requests: ${r.full.signInRequests}`);
  console.log(`  wall time: median ${r.full.wallMsMedian.toFixed(0)} ms of ${r.runs} runs (${r.full.wallMsSamples.join(', ')} ms)`);
  console.log(`delta observation after ${r.delta.changedUsers} users and ${r.delta.changedMemberships} memberships changed:`);
  printEndpoints(r.delta.requestsByEndpoint);
  console.log(`  requests: ${r.delta.totalRequests} (${(r.delta.ratioToFull * 100).toFixed(2)}% of the full observation); wall time ${r.delta.wallMs.toFixed(0)} ms`);
}
