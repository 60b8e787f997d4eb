#!/usr/bin/env node
// Kubernetes observe benchmark: a cluster of 2,000 ClusterRoleBindings and 3,000
// RoleBindings (in 100 namespaces), 5 subjects each drawn from 5,000 users and 200 groups,
// plus one ServiceAccount per RoleBinding, behind the https emulator with 20 ms of latency
// on every request, observed through the provider (the official @kubernetes/client-node).
// Reports the requests per endpoint against the floor of ceil(n / limit) per listing and
// the median wall time of 3 observations. Needs `npm run build`.
//
//   node bench/observe-kubernetes.mjs
//   node bench/observe-kubernetes.mjs --cluster 2000 --namespaced 3000 --subjects 5 --users 5000 --latency 20 --runs 3 --limit 500
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMain, median, numericArgs, printEndpoints } from './observe-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');

const DEFAULTS = Object.freeze({ cluster: 2_000, namespaced: 3_000, subjects: 5, users: 5_000, latency: 20, runs: 3, limit: 500 });
const RBAC = 'rbac.authorization.k8s.io';

/** A deterministic cluster: binding b holds users chosen by a fixed stride, and every 5th a group. */
function seedOf({ cluster, namespaced, subjects, users }) {
  const members = (b) =>
    Array.from({ length: subjects }, (_, k) => (k === 0 && b % 5 === 0 ? `Group:team-${b % 200}` : `User:user${(b * 7 + k * 331) % users}@acme.com`));
  const groups = [];
  for (let b = 0; b < cluster; b++) groups.push({ id: `clusterrolebinding/crb-${b}`, name: `clusterrolebinding/crb-${b}`, members: members(b) });
  for (let b = 0; b < namespaced; b++) {
    const name = `ns-${b % 100}/rolebinding/rb-${b}`;
    groups.push({ id: name, name, members: members(cluster + b) });
  }
  const bindings = Array.from({ length: namespaced }, (_, b) => ({
    kind: 'RoleBinding',
    metadata: { name: `ci-${b}`, namespace: `ns-${b % 100}` },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: `ns-${b % 100}` }],
  }));
  return { seed: { type: 'kubernetes', accounts: [], groups }, bindings };
}

/** Runs the benchmark and returns its figures. */
export async function run(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const { kubernetesModule } = await import(pathToFileURL(join(dist, 'providers', 'kubernetes', 'index.js')).href);
  const { startKubernetesEmulator } = await import(pathToFileURL(join(dist, 'providers', 'kubernetes', 'emulator', 'index.js')).href);
  const { SecretResolver } = await import(pathToFileURL(join(dist, 'src', 'policy', 'secrets.js')).href);
  const { fileStore } = await import(pathToFileURL(join(dist, 'src', 'state', 'file-store.js')).href);
  const { seed, bindings } = seedOf(o);
  const emu = await startKubernetesEmulator({ seed, bindings, latencyMs: o.latency });
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-k8s-bench-'));
  writeFileSync(join(dir, 'kubeconfig'), emu.kubeconfig, { mode: 0o600 });
  const silent = { info() {}, warn() {}, debug() {} };
  const ctx = {
    name: 'k8s',
    policyDir: dir,
    stateDir: dir,
    state: fileStore(dir).forProvider('k8s', dir),
    secrets: new SecretResolver({}),
    log: silent,
    confirmations: new Map(),
    managedGroups: new Set(),
  };
  const connection = { type: 'kubernetes', kubeconfig: 'kubeconfig', pageSize: o.limit };
  const totalBindings = o.cluster + 2 * o.namespaced;
  const floor = Math.max(1, Math.ceil(o.cluster / o.limit)) + Math.max(1, Math.ceil((2 * o.namespaced) / o.limit));
  const runs = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      const provider = kubernetesModule.create(connection, ctx);
      emu.counters.reset();
      const t0 = performance.now();
      const observed = await provider.observe();
      const ms = performance.now() - t0;
      await provider.close();
      const memberships = observed.groups.reduce((n, g) => n + g.members.length, 0);
      if (observed.groups.length !== totalBindings || memberships !== (o.cluster + o.namespaced) * o.subjects) {
        throw new Error(`incomplete observation: ${observed.groups.length} bindings, ${memberships} memberships`);
      }
      runs.push({ ms, requests: emu.counters.total(), byEndpoint: emu.counters.snapshot(), accounts: observed.accounts.length });
    }
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const last = runs.at(-1);
  return {
    clusterRoleBindings: o.cluster,
    roleBindings: 2 * o.namespaced,
    subjectsPerBinding: o.subjects,
    accounts: last.accounts,
    latencyMs: o.latency,
    limit: o.limit,
    runs: runs.length,
    minimumRequests: floor,
    totalRequests: last.requests,
    ratio: last.requests / floor,
    requestsByEndpoint: last.byEndpoint,
    wallMsSamples: runs.map((r) => Math.round(r.ms)),
    wallMsMedian: Math.round(median(runs.map((r) => r.ms))),
  };
}

if (isMain(import.meta.url)) {
  const r = await run(
    numericArgs(
      process.argv.slice(2),
      DEFAULTS,
      'observe-kubernetes.mjs [--cluster N] [--namespaced N] [--subjects N] [--users N] [--latency MS] [--runs N] [--limit N]',
    ),
  );
  console.log(
    `Kubernetes observe: ${r.clusterRoleBindings} ClusterRoleBindings, ${r.roleBindings} RoleBindings, ${r.subjectsPerBinding} subjects each (${r.accounts} accounts), limit ${r.limit}, ${r.latencyMs} ms latency per request`,
  );
  console.log('requests by endpoint (last run):');
  printEndpoints(r.requestsByEndpoint);
  console.log(`requests: ${r.totalRequests} (minimum ${r.minimumRequests}, ratio ${r.ratio.toFixed(3)})`);
  console.log(`wall time: ${r.wallMsSamples.join(' / ')} ms, median ${r.wallMsMedian} ms`);
}
