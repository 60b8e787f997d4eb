#!/usr/bin/env node
// Kill trials (npm run bench:kill): `lockstep apply` SIGKILLed at random points mid-apply,
// then run again until it succeeds, on each state backend. The world is the demo
// organisation in the sandbox emulators (Okta, Google, Entra, Kubernetes, SCIM, manual
// apps), planned at a fixed time, with a few milliseconds added to every request so that
// changes are in flight together. The kill point is the k-th state-changing request any
// emulator receives (k uniform over an uninterrupted run's count): the requests in flight
// at that moment may or may not have taken effect, and none of their outcomes reached the
// journal.
//
// Per trial, against an uninterrupted baseline run of the same world:
//   converged   every account status and group membership ends as in the baseline, and a
//               new plan leaves the same changes open (manual tasks awaiting confirmation);
//   lost        baseline effects missing at the end: an account status or membership, an
//               effect only the journal shows (sessions, tokens, factors, transfers) never
//               recorded done, or a change a killed run sent that no later run resolved
//               (every change is journaled as an intent before it is sent);
//   duplicated  effects applied twice: a change journaled `ok` twice, or more requests to an
//               endpoint whose effect is not idempotent (ownership transfers, creations);
//   repeated    extra calls to idempotent endpoints (a session revocation whose outcome the
//               kill kept from the journal is made again: at least once, never never);
//   journal     `lockstep audit verify` on the store after the trial.
//
//   node bench/kill-trials.mjs [--trials 20] [--backend file|postgres|both] [--latency 5]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoSandbox } from './demo-sandbox.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
// Every run plans at this one time, so the baseline and each trial make the same decisions; it is
// the wall clock at start, so that journal records (stamped by the wall clock) count as done.
const NOW = new Date().toISOString();

/** Endpoints whose effect doubles when called twice (a second transfer is a second job). */
/** Actions whose effect no observation shows: only the journal says they were done. */
const UNOBSERVABLE = / (revoke_sessions|revoke_tokens|reset_factors|transfer_ownership) /;

const NON_IDEMPOTENT = [/^POST \S*transfers/i, /^POST \S*\/users$/i, /^POST \S*\/Users$/];

function run(args, { cwd, env }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/lockstep.js'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr }));
    run.current = child;
  });
}

/** What the end state is made of: each account's status, each group's members. */
function projection(emulated) {
  const out = {};
  for (const e of emulated) {
    const o = e.observed();
    out[e.name] = {
      accounts: Object.fromEntries(o.accounts.map((a) => [a.id, a.status])),
      groups: Object.fromEntries(o.groups.map((g) => [g.name, [...g.members].sort()])),
    };
  }
  return out;
}

function mutating(emulated) {
  const out = {};
  for (const e of emulated) for (const [key, n] of Object.entries(e.counters.snapshot())) if (!key.startsWith('GET ')) out[`${e.name} ${key}`] = n;
  return out;
}

function diffCounts(baseline, now) {
  const keys = new Set([...Object.keys(baseline), ...Object.keys(now)]);
  const extra = [];
  const missing = [];
  for (const k of keys) {
    const d = (now[k] ?? 0) - (baseline[k] ?? 0);
    if (d > 0) extra.push([k, d]);
    if (d < 0) missing.push([k, -d]);
  }
  return { extra, missing };
}

function diffProjection(a, b) {
  const out = [];
  for (const p of new Set([...Object.keys(a), ...Object.keys(b)])) {
    for (const [id, s] of Object.entries(a[p]?.accounts ?? {}))
      if (b[p]?.accounts?.[id] !== s) out.push(`${p} account ${id}: ${s} in the baseline, ${b[p]?.accounts?.[id]} here`);
    for (const [g, m] of Object.entries(a[p]?.groups ?? {})) if (JSON.stringify(b[p]?.groups?.[g]) !== JSON.stringify(m)) out.push(`${p} group ${g} differs`);
  }
  return out;
}

/** One world: the demo organisation in fresh emulators, its policy pointed at them, a state store. */
async function world(backend, pg, latency) {
  const work = mkdtempSync(join(tmpdir(), 'lockstep-kill-'));
  // The trials measure recovery, not the guard: every change of the demo plan is let through.
  const { sandbox, emulated } = await demoSandbox(root, {
    work,
    now: new Date(NOW),
    spec: (s) => ({ guard: { ...s.guard, maxSuspendFraction: 1, maxGroupRemovalFraction: 1 }, minMembers: [] }),
  });
  for (const e of emulated) e.faults.set({ latency });
  let state;
  if (backend === 'postgres') {
    const db = await pg.freshDatabase();
    state = { args: ['--state', db.url], env: { PGPASSWORD: db.password } };
  } else state = { args: ['--state-dir', join(work, 'state')], env: {} };
  return {
    work,
    emulated,
    state,
    apply: () => run(['apply', '--auto-approve', '--now', NOW, ...state.args], { cwd: work, env: state.env }),
    plan: () => run(['plan', '--format', 'json', '--now', NOW, ...state.args], { cwd: work, env: state.env }),
    verify: () => run(['audit', 'verify', ...state.args], { cwd: work, env: state.env }),
    async close(keep = false) {
      await sandbox.stop();
      if (keep) console.log(`kept ${work}`);
      else rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Change ids a plan leaves open. */
function openChanges(planText) {
  return JSON.parse(planText)
    .changes.map((c) => c.id)
    .sort();
}

/** Journal records of `apply` runs, read back through `lockstep plan`'s store: every change id with how often it was journaled `ok`. */
async function journalOk(w) {
  const { fileStore } = await import(join(root, 'dist/src/state/file-store.js'));
  const { openStateStore } = await import(join(root, 'dist/src/run/state.js'));
  const silent = { info() {}, warn() {}, debug() {} };
  let store;
  if (w.state.args[0] === '--state-dir') store = fileStore(w.state.args[1]);
  else {
    const url = new URL(w.state.args[1]);
    url.password = w.state.env.PGPASSWORD;
    process.env.LOCKSTEP_KILL_TRIAL_URL = url.toString();
    store = await openStateStore(null, { state: '${env:LOCKSTEP_KILL_TRIAL_URL}' }, { log: silent, write: false });
  }
  try {
    const ok = new Map();
    const done = new Set();
    const what = new Map();
    const records = await store.journal.read();
    const { buildHistory } = await import(join(root, 'dist/src/journal/build-history.js'));
    const unresolved = buildHistory(records).interrupted().length;
    for (const r of records) {
      if (r.type !== 'change') continue;
      if (r.result === 'ok')
        ok.set(r.changeId, [
          ...(ok.get(r.changeId) ?? []),
          `${r.provider} ${r.action} ${r.target?.account?.login ?? ''}${r.target?.group ? ` ${r.target.group.name}` : ''} (run ${r.runId.slice(0, 8)})`,
        ]);
      if (r.result === 'ok' || r.result === 'already') done.add(r.changeId);
      what.set(r.changeId, `${r.provider} ${r.action} ${r.target?.account?.login ?? ''}${r.target?.group ? ` ${r.target.group.name}` : ''}`);
    }
    return { ok, done, what, unresolved };
  } finally {
    await store.close();
  }
}

/**
 * Runs `trials` kill trials on one backend; resolves with the baseline and each trial's
 * figures. `pg` provides fresh databases for the postgres backend.
 */
export async function killTrials({ trials, backend, pg, latency = 5, random = Math.random, killAt = null, keep = false, log = () => {} }) {
  const base = await world(backend, pg, latency);
  let baseline;
  try {
    const r = await base.apply();
    if (r.code !== 0) throw new Error(`the uninterrupted apply exited ${r.code}:\n${r.stderr.slice(-2000)}`);
    const plan = await base.plan();
    baseline = { counts: mutating(base.emulated), end: projection(base.emulated), open: openChanges(plan.stdout), journal: await journalOk(base) };
    baseline.requests = Object.values(baseline.counts).reduce((a, b) => a + b, 0);
    log(
      `${backend}: baseline apply: ${baseline.requests} state-changing requests, ${baseline.journal.done.size} changes journaled done, ${baseline.open.length} left open (manual tasks)`,
    );
  } finally {
    await base.close();
  }

  const results = [];
  for (let t = 1; t <= trials; t++) {
    const w = await world(backend, pg, latency);
    try {
      const k = killAt ?? 1 + Math.floor(random() * baseline.requests);
      let seen = 0;
      let killed = false;
      for (const e of w.emulated) {
        const hit = e.counters.hit.bind(e.counters);
        e.counters.hit = (method, template) => {
          hit(method, template);
          if (method.toUpperCase() === 'GET' || killed) return;
          if (++seen === k) {
            killed = true;
            run.current?.kill('SIGKILL');
          }
        };
      }
      const first = await w.apply();
      killed = true; // no more kills
      const reruns = [];
      let last = null;
      for (let i = 0; i < 3; i++) {
        last = await w.apply();
        reruns.push(last.code);
        if (last.code === 0) break;
      }
      const plan = await w.plan();
      const journal = await journalOk(w);
      const counts = diffCounts(baseline.counts, mutating(w.emulated));
      const endDiff = diffProjection(baseline.end, projection(w.emulated));
      const open = plan.code === 0 || plan.code === 2 ? openChanges(plan.stdout) : null;
      // A change the baseline journaled done and this trial did not: lost if nothing else shows its
      // effect — an effect only the journal can show (sessions, tokens, factors, transfers), since
      // an observable one missing is already in endDiff (one Kubernetes suspension covers the
      // binding removals planned beside it, which the next plan then has no reason to make).
      const neverRecorded = [...baseline.journal.done].filter(
        (id) => !journal.done.has(id) && !(open ?? []).includes(id) && UNOBSERVABLE.test(baseline.journal.what.get(id) ?? ''),
      );
      const twice = [...journal.ok].filter(([, runs]) => runs.length > 1);
      const nonIdempotent = counts.extra.filter(([key]) => NON_IDEMPOTENT.some((re) => re.test(key.split(' ').slice(1).join(' '))));
      const verify = await w.verify();
      const result = {
        trial: t,
        killAt: k,
        killed: first.signal === 'SIGKILL',
        reruns,
        converged: last?.code === 0 && endDiff.length === 0 && open !== null && JSON.stringify(open) === JSON.stringify(baseline.open),
        lost: endDiff.length + neverRecorded.length + journal.unresolved,
        duplicated: twice.length + nonIdempotent.reduce((s, [, n]) => s + n, 0),
        repeated: counts.extra.reduce((s, [, n]) => s + n, 0),
        repeatedCalls: counts.extra,
        journal: verify.code === 0 ? 'verified' : `FAILED: ${verify.stderr.trim().split('\n')[0]}`,
        detail: [
          ...endDiff.slice(0, 5),
          ...neverRecorded.slice(0, 5).map((id) => `change ${id} (${baseline.journal.what.get(id)}) never journaled done`),
          ...(journal.unresolved ? [`${journal.unresolved} change(s) sent by a killed run never resolved`] : []),
          ...twice.slice(0, 5).map(([id, runs]) => `change ${id} journaled ok ${runs.length} times: ${runs.join('; ')}`),
          ...nonIdempotent.map(([k, n]) => `${n} more ${k}`),
          ...(last?.code === 0 ? [] : [last?.stderr.slice(-500) ?? '']),
        ],
      };
      results.push(result);
      log(
        `${backend} trial ${t}: killed at state-changing request ${k}/${baseline.requests}${result.killed ? '' : ' (the apply finished first)'}, reruns ${reruns.join(',')}; converged ${result.converged ? 'yes' : 'NO'}, lost ${result.lost}, duplicated ${result.duplicated}, repeated idempotent calls ${result.repeated}, journal ${result.journal}`,
      );
      for (const d of result.detail) if (d) log(`    ${d}`);
    } finally {
      await w.close(keep);
    }
  }
  return { backend, baseline: { requests: baseline.requests, changes: baseline.journal.done.size, open: baseline.open.length }, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const trials = Number(arg('trials', 20));
  const which = arg('backend', 'both');
  const latency = Number(arg('latency', 5));
  const killAt = arg('kill-at', null) === null ? null : Number(arg('kill-at', null));
  const pgScript = await import(join(root, 'scripts/test-postgres.mjs'));
  let server = null;
  let pg = null;
  if (which !== 'file') {
    if (process.env.LOCKSTEP_TEST_PG_URL) server = { url: process.env.LOCKSTEP_TEST_PG_URL, password: process.env.LOCKSTEP_TEST_PG_PASSWORD };
    else server = await pgScript.startPostgres();
    if (!server) throw new Error("no PostgreSQL server binaries: install Debian's postgresql package, or run with --backend file");
    const { default: pgClient } = await import('pg');
    pg = {
      async freshDatabase() {
        const name = `kill_${Math.random().toString(16).slice(2, 10)}`;
        const admin = new URL(server.url);
        admin.password = server.password;
        const c = new pgClient.Client({ connectionString: admin.toString() });
        await c.connect();
        await c.query(`CREATE DATABASE ${name}`);
        await c.end();
        const url = new URL(server.url);
        url.pathname = `/${name}`;
        return { url: url.toString(), password: server.password };
      },
    };
  }
  console.log(`Kill trials: ${trials} per backend, SIGKILL at a random state-changing request, ${latency} ms per emulated request, node ${process.version}`);
  let bad = 0;
  try {
    for (const backend of which === 'both' ? ['file', 'postgres'] : [which]) {
      const { results, baseline } = await killTrials({ trials, backend, pg, latency, killAt, keep: process.env.KILL_KEEP === '1', log: (m) => console.log(m) });
      const sum = (f) => results.reduce((s, r) => s + f(r), 0);
      const converged = results.filter((r) => r.converged).length;
      console.log(
        `${backend}: ${converged}/${results.length} converged, ${sum((r) => (r.killed ? 1 : 0))} killed mid-apply; lost ${sum((r) => r.lost)}, duplicated ${sum((r) => r.duplicated)}; repeated idempotent calls ${sum((r) => r.repeated)} over ${results.length} trials; journals verified ${results.filter((r) => r.journal === 'verified').length}/${results.length} (baseline: ${baseline.requests} state-changing requests, ${baseline.changes} changes)`,
      );
      const repeats = new Map();
      for (const r of results) for (const [key, n] of r.repeatedCalls) repeats.set(key, (repeats.get(key) ?? 0) + n);
      console.log(
        `${backend}: repeated calls by endpoint: ${
          [...repeats]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ') || 'none'
        }`,
      );
      bad += results.filter((r) => !r.converged || r.lost || r.duplicated || r.journal !== 'verified').length;
    }
  } finally {
    if (server?.dir) pgScript.stopPostgres(server.dir);
  }
  if (bad) {
    console.log(`${bad} trial(s) did not converge cleanly`);
    process.exitCode = 1;
  }
}
