#!/usr/bin/env node
// Access diff benchmark (part of npm run bench): a policy repo of 10,000 people (the demo
// generator, five providers) with 50 commits — roles gaining and losing grants,
// assignments retargeted, roster rows changing — then `lockstep diff` between the first
// and the last commit as a user runs it (the CLI in a fresh process, reading both refs
// through Git). Reports the median wall time of 3 runs; target < 3 s.
//
//   node bench/diff-bench.mjs [people] [--runs N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist', 'src');
const args = process.argv.slice(2);
const people = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const COMMITS = 50;
const PROVIDERS = [
  { name: 'okta', type: 'okta' },
  { name: 'gws', type: 'google' },
  { name: 'entra', type: 'entra' },
  { name: 'k8s', type: 'kubernetes' },
  { name: 'app', type: 'scim' },
];

const git = (cwd, ...a) =>
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', ...a], { cwd, encoding: 'utf8' });

export async function run() {
  const { generateOrg } = await import(join(dist, 'demo', 'org.js'));
  const { writePolicyFolder } = await import(join(dist, 'demo', 'write-policy.js'));
  const repo = mkdtempSync(join(tmpdir(), 'lockstep-diff-bench-'));
  try {
    const org = generateOrg({ people, providers: PROVIDERS, now: new Date('2026-11-20T09:00:00Z'), seed: 11 });
    const policies = join(repo, 'policies');
    await writePolicyFolder(policies, org);
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'policy');
    const roles = join(policies, 'roles.yaml');
    const roster = join(policies, 'people.csv');
    for (let i = 1; i < COMMITS; i++) {
      if (i % 3 === 0) {
        // A roster row changes department.
        const rows = readFileSync(roster, 'utf8').split('\n');
        const at = 1 + ((i * 7919) % (rows.length - 2));
        rows[at] = /,Engineering,/.test(rows[at])
          ? rows[at].replace(',Engineering,', ',Sales,')
          : rows[at].replace(/,(Sales|Support|Marketing|Finance|IT|People|Legal|Operations),/, ',Engineering,');
        writeFileSync(roster, rows.join('\n'));
      } else {
        // A role gains a grant, or loses the one an earlier commit added.
        const text = readFileSync(roles, 'utf8');
        const line = `    - { provider: okta, group: Project ${i} }\n`;
        writeFileSync(roles, i % 3 === 1 ? text.replace('  grants:\n', `  grants:\n${line}`) : text.replace(`    - { provider: okta, group: Project ${i - 1} }\n`, ''));
      }
      git(repo, 'commit', '-q', '--allow-empty', '-am', `change ${i}`);
    }
    const samples = [];
    let out = '';
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      out = execFileSync(
        process.execPath,
        [join(root, 'bin', 'lockstep.js'), 'diff', '--base', `HEAD~${COMMITS - 1}`, '--head', 'HEAD', '--now', '2026-11-20T09:00:00Z', '--format', 'json'],
        { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      samples.push(performance.now() - t0);
    }
    const summary = JSON.parse(out).summary;
    const sorted = [...samples].sort((a, b) => a - b);
    return { people, commits: COMMITS, samples: samples.map(Math.round), medianMs: Math.round(sorted[sorted.length >> 1]), summary };
  } finally {
    if (process.env.LOCKSTEP_BENCH_KEEP) console.error(`kept ${repo}`);
    else rmSync(repo, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await run();
  console.log(`Access diff benchmark: ${r.people} people, ${r.commits} commits, first → last commit, node ${process.version}`);
  console.log(`  ${r.summary.grantsGained} grants gained, ${r.summary.grantsLost} lost, ${r.summary.filesChanged} files changed`);
  console.log(
    `  wall time: median ${r.medianMs} ms of ${r.samples.length} runs (${r.samples.join(', ')} ms); target < 3000 ms → ${r.medianMs < 3000 ? 'met' : 'MISSED'}`,
  );
}
