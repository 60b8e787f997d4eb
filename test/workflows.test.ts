import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliCommands } from './support/cli-commands.js';
import { ROOT } from './cli/run-cli.js';

interface Step {
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { node?: string[] } } }>;
}

const DIR = join(ROOT, '.github', 'workflows');
const workflows = new Map(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => [f, parse(readFileSync(join(DIR, f), 'utf8')) as Workflow]),
);
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);

/** Every `lockstep ...` (or `npx lockstep ...`) invocation in run scripts, as argument lists. */
function lockstepCallsIn(scripts: string[]): string[][] {
  const calls: string[][] = [];
  for (const script of scripts) {
    for (const line of script.split('\n')) {
      const m = /(?:^|\s)(?:npx )?lockstep (?=[a-z])/.exec(line);
      if (!m || line.trimStart().startsWith('#')) continue;
      const words = line.slice(m.index + m[0].length).match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
      const end = words.findIndex((x) => ['>', '|', '||', '&&', ';', '2>&1'].includes(x) || x.startsWith('>'));
      calls.push(end < 0 ? words : words.slice(0, end));
    }
  }
  return calls;
}
const lockstepCalls = (w: Workflow): string[][] => lockstepCallsIn(steps(w).map((s) => s.run ?? ''));

/** Every `secrets.NAME` a text references. */
const secretsIn = (text: string): string[] => [...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: Step[] };
}
const ACTION_TEXT = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const action = parse(ACTION_TEXT) as Action;

/** The ${env:NAME} secret references of the example policy's Config: what a workflow must map. */
const configEnv = [...readFileSync(join(ROOT, 'policies', 'config.yaml'), 'utf8').matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
/** Provider credentials, by the variable the Config (or the action, for KUBECONFIG_DATA) reads. */
const PROVIDER_ENV = [...new Set([...configEnv, 'GOOGLE_CREDENTIALS', 'KUBECONFIG_DATA'])].sort();

describe('GitHub workflows', () => {
  const commands = cliCommands();

  it('has the CI, pull request plan and scheduled reconcile workflows', () => {
    expect([...workflows.keys()].sort()).toEqual(['ci.yml', 'policy-plan.yml', 'reconcile.yml']);
  });

  it('calls only lockstep commands and options that exist', () => {
    let calls = 0;
    const sources: Array<[string, string[][]]> = [...workflows].map(([f, w]) => [f, lockstepCalls(w)]);
    sources.push(['action.yml', lockstepCallsIn(action.runs.steps.map((s) => s.run ?? ''))]);
    for (const [file, list] of sources) {
      for (const args of list) {
        calls++;
        const name = commands.has(`${args[0]} ${args[1]}`) ? `${args[0]} ${args[1]}` : args[0]!;
        expect(commands.has(name), `${file}: lockstep ${args.join(' ')}`).toBe(true);
        for (const flag of args.join(' ').match(/(?<![\w-])--[a-z][\w-]*/g) ?? []) expect(commands.get(name)!.has(flag), `${file}: lockstep ${name} ${flag}`).toBe(true);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(9);
  });

  it('tests on Node 20.19, 22 and 24 with the README commands', () => {
    const ci = workflows.get('ci.yml')!;
    expect(ci.jobs.test!.strategy?.matrix?.node).toEqual(['20.19', '22', '24']);
    const runs = steps(ci).map((s) => s.run);
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npx lockstep demo', 'npm test']));
  });

  it('plans pull requests that touch the policy through the action: validate, diff, plan, artifact, comment', () => {
    const w = workflows.get('policy-plan.yml')!;
    expect(w.on).toEqual({ pull_request: { paths: ['policies/**'] } });
    expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const uses = steps(w).filter((s) => s.uses === './');
    expect(uses).toHaveLength(1);
    for (const key of Object.keys(uses[0]!.with ?? {})) expect(Object.keys(action.inputs), `input ${key}`).toContain(key);
    const used = lockstepCallsIn(action.runs.steps.map((s) => s.run ?? '')).map((a) => a[0]);
    for (const c of ['validate', 'diff', 'plan', 'comment']) expect(used).toContain(c);
    expect(action.runs.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
    // The comment step never runs with a fork's read-only token.
    expect(action.runs.steps.find((s) => s.run?.includes('lockstep comment'))?.if).toContain('head.repo.full_name == github.repository');
  });

  it("never runs the pull request's code: the tooling is checked out at the base commit, the pull request only as data", () => {
    const w = workflows.get('policy-plan.yml')!;
    const all = steps(w);
    const checkouts = all.filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts).toHaveLength(2);
    // The workspace root, where `uses: ./` and Lockstep's lockfile come from, is the base commit.
    expect(checkouts[0]!.with?.['ref']).toBe('${{ github.event.pull_request.base.sha }}');
    expect(checkouts[0]!.with?.['path']).toBeUndefined();
    const data = checkouts[1]!.with?.['path'] as string;
    expect(data).toMatch(/^[\w-]+$/);
    const action = all.find((s) => s.uses === './')!;
    expect(action.with?.['working-directory']).toBe(data);
    expect(all.indexOf(action)).toBeGreaterThan(all.indexOf(checkouts[1]!));
    // No step of the job runs anything itself (no npm ci of the pull request's package.json).
    expect(all.filter((s) => s.run !== undefined)).toEqual([]);
    for (const c of checkouts) expect(c.with?.['persist-credentials'], 'no token left in .git/config').toBe(false);
  });

  it('gives pull request plans read-only provider credentials only, each mapped to the variable the Config reads', () => {
    const w = workflows.get('policy-plan.yml')!;
    const text = readFileSync(join(DIR, 'policy-plan.yml'), 'utf8');
    const referenced = secretsIn(text);
    expect(referenced.length).toBeGreaterThan(0);
    for (const name of referenced) expect(name, `policy-plan.yml references secrets.${name}`).toMatch(/_READ$/);
    const env = steps(w).find((s) => s.uses === './')!.env!;
    expect(Object.keys(env).sort()).toEqual(PROVIDER_ENV);
    for (const [name, value] of Object.entries(env)) expect(value, name).toMatch(/^\$\{\{ secrets\.[A-Z0-9_]+_READ \}\}$/);
    // Live only when not from a fork (a fork gets no secrets) and the read credentials exist.
    expect(steps(w).find((s) => s.uses === './')!.with?.['against']).toMatch(
      /head\.repo\.full_name == github\.repository && secrets\.\w+_READ != '' && 'live' \|\| 'auto'/,
    );
  });

  it('keeps the credentials that change access in the scheduled reconcile only, on the steps that run Lockstep', () => {
    const write = PROVIDER_ENV.map((n) => (n === 'KUBECONFIG_DATA' ? 'KUBECONFIG' : n));
    for (const [file] of workflows) {
      const text = readFileSync(join(DIR, file), 'utf8');
      const found = secretsIn(text).filter((n) => write.includes(n));
      if (file === 'reconcile.yml') expect(found.sort()).toEqual([...write].sort());
      else expect(found, file).toEqual([]);
    }
    expect(secretsIn(JSON.stringify(action)), 'the action reads no secret itself').toEqual([]);
    const w = workflows.get('reconcile.yml')!;
    const job = Object.values(w.jobs)[0] as unknown as { env: Record<string, string>; steps: Step[] };
    expect(secretsIn(JSON.stringify(job.env)), 'no secret in the job-wide environment').toEqual([]);
    const apply = steps(w).find((s) => s.run?.includes('npx lockstep apply'))!;
    for (const name of PROVIDER_ENV) expect(apply.env?.[name], `Apply maps ${name}`).toMatch(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/);
    // The install runs before any secret is in the environment, without install scripts.
    const install = steps(w).find((s) => s.run?.includes('npm ci'))!;
    expect(install.env).toBeUndefined();
    expect(install.run).toContain('--ignore-scripts');
    for (const s of steps(w)) if (secretsIn(JSON.stringify(s.env ?? {})).length) expect(s.run ?? '', s.name).toMatch(/npx lockstep /);
  });

  it('checks the policy out with full history, which Approvals, Exceptions and attribution are read from', () => {
    for (const file of ['policy-plan.yml', 'reconcile.yml']) {
      const checkouts = steps(workflows.get(file)!).filter((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkouts.length, file).toBeGreaterThan(0);
      for (const s of checkouts) expect(s.with?.['fetch-depth'], `${file}: ${s.uses}`).toBe(0);
    }
  });

  it('reconciles on a schedule, one run at a time, with read-only repository access', () => {
    const w = workflows.get('reconcile.yml')!;
    expect(w.on).toHaveProperty('schedule');
    expect(w.concurrency).toEqual({ group: 'lockstep-reconcile', 'cancel-in-progress': false });
    expect(w.permissions).toEqual({ contents: 'read' });
    expect(lockstepCalls(w).map((a) => a.join(' '))).toContain('apply --auto-approve');
    for (const s of steps(w)) expect(s.run ?? '').not.toMatch(/\$\{\{\s*secrets\./);
  });

  it('reconciles on state that outlives the runner, and fails before applying when the journal is missing or does not verify', () => {
    const w = workflows.get('reconcile.yml')!;
    const job = Object.values(w.jobs)[0] as unknown as { env: Record<string, string>; steps: Step[] };
    // The state store is named by reference; its URL comes from a secret, never from a cache or the runner's disk.
    expect(job.env['LOCKSTEP_STATE']).toBe('${env:LOCKSTEP_STATE_URL}');
    for (const s of steps(w).filter((x) => x.run?.includes('npx lockstep ')))
      expect(s.env?.['LOCKSTEP_STATE_URL'], s.name ?? s.run).toBe('${{ secrets.LOCKSTEP_STATE_URL }}');
    expect(steps(w).some((s) => s.uses?.startsWith('actions/cache'))).toBe(false);
    const runs = steps(w).map((s) => s.run ?? '');
    const verify = runs.findIndex((r) => r.includes('npx lockstep audit verify'));
    const apply = runs.findIndex((r) => r.includes('npx lockstep apply'));
    expect(verify).toBeGreaterThanOrEqual(0);
    expect(verify).toBeLessThan(apply);
    // No skip when the journal is absent: only an explicit first-run switch migrates instead.
    expect(runs[verify]).not.toMatch(/\[ ! -f/);
    expect(runs[verify]).toMatch(/LOCKSTEP_FIRST_RUN|FIRST_RUN/);
    // Pull request plans never reach for the shared state: the action runs on a file state of its own.
    expect(action.runs.steps[1]!.run).toMatch(/echo "LOCKSTEP_STATE=file"/);
  });

  it('the action: a composite whose every input and output is described and documented in the README', () => {
    expect(action.runs.using).toBe('composite');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description, `input ${name}`).toMatch(/\w{3,}/);
      expect(readme, `README documents input ${name}`).toContain(`| \`${name}\` |`);
    }
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.description, `output ${name}`).toMatch(/\w{3,}/);
      expect(readme, `README documents output ${name}`).toContain(`\`${name}\``);
    }
    for (const name of PROVIDER_ENV) expect(readme, `README documents ${name}`).toContain(name);
    for (const k of ['working-directory', 'policies', 'against', 'snapshot', 'base-ref']) expect(Object.keys(action.inputs)).toContain(k);
  });

  it('the action never interpolates an expression into a script, and installs Lockstep with an empty environment', () => {
    // Inputs reach scripts through env only: a policy path or ref cannot inject shell.
    for (const s of action.runs.steps) expect(s.run ?? '', s.name).not.toContain('${{');
    const install = action.runs.steps.find((s) => s.run?.includes('npm ci'))!;
    for (const line of install.run!.split('\n').filter((l) => /\bnpm /.test(l))) expect(line.trim()).toMatch(/^env -i PATH="\$PATH" HOME="\$HOME" npm /);
    expect(install.run).toContain('--ignore-scripts');
    // The Lockstep that runs is the action's own checkout (the caller's pinned ref), not the policy repository's.
    expect((install as Step & { 'working-directory'?: string })['working-directory']).toBe('${{ github.action_path }}');
  });
});
