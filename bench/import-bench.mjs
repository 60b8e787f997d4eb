#!/usr/bin/env node
// Import benchmark (npm run bench): `lockstep import` on the planning benchmark's generated
// organisations (5 providers; 10k people by default), each run a fresh process of the
// built CLI from a snapshot. Reports the median wall time (process start to exit) and
// median peak RSS of the runs, the size of the policy written (documents, lines, bytes)
// against the number of groups, and checks the import: `lockstep plan` on the same snapshot
// must plan nothing but the lifecycle (leavers, contract ends, orphans).
//
//   npm run bench:import
//   node bench/import-bench.mjs 10000 100000 --runs 5
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const NOW = '2026-11-20T09:00:00Z';

const args = process.argv.slice(2);
if (args[0] === '--measure') await measure(args.slice(1));
else main();

/** One import in this process, as bin/lockstep.js runs it; prints its peak RSS. */
async function measure(cliArgs) {
  const { run } = await import(join(root, 'dist', 'src', 'cli', 'main.js'));
  const code = await run(cliArgs);
  process.stderr.write(`\n${JSON.stringify({ code, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exitCode = code;
}

function main() {
  const runsFlag = args.indexOf('--runs');
  const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 5;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--runs').map(Number);
  console.log(`Import benchmark: 5 providers, ${runs} runs per size, node ${process.version}, ${cpus().length} CPUs`);
  console.log('people   groups  roles  assignments  docs  lines  bytes      wall median  rss peak median  plan: lifecycle / other changes');
  for (const people of sizes.length ? sizes : [10000]) {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-import-bench-'));
    try {
      execFileSync(process.execPath, ['--max-old-space-size=8192', join(here, 'plan-bench.mjs'), '--generate', String(people), dir], { stdio: 'inherit' });
      const walls = [];
      const rss = [];
      for (let i = 0; i < runs; i++) {
        const out = join(dir, `out-${i}`);
        const cli = ['import', '--policies', join(dir, 'policies'), '--snapshot', join(dir, 'snapshot.json'), '--now', NOW, '--out', out];
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', ...cli], { encoding: 'utf8', maxBuffer: 1 << 28 });
        walls.push(performance.now() - t0);
        const last = JSON.parse(r.stderr.trim().split('\n').at(-1));
        if (last.code !== 0) throw new Error(`lockstep import exited ${last.code}:\n${r.stderr}`);
        rss.push(last.peakRss);
      }
      const out = join(dir, 'out-0');
      const size = policySize(out);
      const snapshot = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8'));
      const groups = Object.values(snapshot.providers).reduce((n, p) => n + p.groups.length, 0);
      // Exit 3 (a tripped guard) still prints the plan.
      const planned = spawnSync(
        process.execPath,
        [
          join(root, 'bin', 'lockstep.js'),
          'plan',
          '--policies',
          out,
          '--snapshot',
          join(dir, 'snapshot.json'),
          '--now',
          NOW,
          '--format',
          'json',
          '--state-dir',
          join(dir, 'state'),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      if (planned.status !== 0 && planned.status !== 3) throw new Error(`lockstep plan exited ${planned.status}:\n${planned.stderr}`);
      const plan = JSON.parse(planned.stdout);
      const other = plan.changes.filter((c) => c.reason.kind !== 'lifecycle' && c.reason.kind !== 'orphan').length;
      console.log(
        `${String(people).padEnd(8)} ${String(groups).padEnd(7)} ${String(size.roles).padEnd(6)} ${String(size.assignments).padEnd(12)} ${String(size.documents).padEnd(5)} ${String(size.lines).padEnd(6)} ${String(size.bytes).padEnd(10)} ${`${median(walls).toFixed(0)} ms`.padEnd(12)} ${`${(median(rss) / 1024 ** 2).toFixed(0)} MB`.padEnd(16)} ${plan.changes.length - other} / ${other}${other ? '  IMPORT NOT REPRODUCED' : ''}`,
      );
      if (other) process.exitCode = 1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Documents, lines and bytes of the policy YAML an import wrote (not the roster copy or the report). */
function policySize(dir) {
  let documents = 0;
  let lines = 0;
  let bytes = 0;
  let roles = 0;
  let assignments = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    documents += (text.match(/^kind: /gm) ?? []).length;
    roles += (text.match(/^kind: RoleProfile$/gm) ?? []).length;
    assignments += (text.match(/^kind: RoleAssignment$/gm) ?? []).length;
  }
  return { documents, lines, bytes, roles, assignments };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
