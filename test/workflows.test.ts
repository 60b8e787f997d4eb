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

/** Every `npx lockstep ...` invocation in a workflow's run scripts, as argument lists. */
function lockstepCalls(w: Workflow): string[][] {
  const calls: string[][] = [];
  for (const s of steps(w)) {
    for (const line of (s.run ?? '').split('\n')) {
      const at = line.indexOf('npx lockstep ');
      if (at < 0) continue;
      const words = line.slice(at + 'npx lockstep '.length).match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
      const end = words.findIndex((x) => ['>', '|', '||', '&&', ';', '2>&1'].includes(x) || x.startsWith('>'));
      calls.push(end < 0 ? words : words.slice(0, end));
    }
  }
  return calls;
}

describe('GitHub workflows', () => {
  const commands = cliCommands();

  it('has the CI, pull request plan and scheduled reconcile workflows', () => {
    expect([...workflows.keys()].sort()).toEqual(['ci.yml', 'policy-plan.yml', 'reconcile.yml']);
  });

  it('calls only lockstep commands and options that exist', () => {
    let calls = 0;
    for (const [file, w] of workflows) {
      for (const args of lockstepCalls(w)) {
        calls++;
        const name = commands.has(`${args[0]} ${args[1]}`) ? `${args[0]} ${args[1]}` : args[0]!;
        expect(commands.has(name), `${file}: lockstep ${args.join(' ')}`).toBe(true);
        for (const flag of args.filter((a) => a.startsWith('--'))) expect(commands.get(name)!.has(flag.split('=')[0]!), `${file}: lockstep ${name} ${flag}`).toBe(true);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(8);
  });

  it('tests on Node 20.19, 22 and 24 with the README commands', () => {
    const ci = workflows.get('ci.yml')!;
    expect(ci.jobs.test!.strategy?.matrix?.node).toEqual(['20.19', '22', '24']);
    const runs = steps(ci).map((s) => s.run);
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npx lockstep demo', 'npm test']));
  });

  it('plans pull requests that touch the policy with least privilege: validate, diff, plan, artifact, comment', () => {
    const w = workflows.get('policy-plan.yml')!;
    expect(w.on).toEqual({ pull_request: { paths: ['policies/**'] } });
    expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const used = lockstepCalls(w).map((a) => a[0]);
    for (const c of ['validate', 'diff', 'plan', 'comment']) expect(used).toContain(c);
    expect(steps(w).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
    // The comment step never runs with a fork's read-only token; secrets stay in env, never on a command line.
    expect(steps(w).find((s) => s.run?.includes('lockstep comment'))?.if).toContain('head.repo.full_name == github.repository');
    for (const s of steps(w)) expect(s.run ?? '').not.toMatch(/\$\{\{\s*secrets\./);
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
    expect(job.env['LOCKSTEP_STATE_URL']).toBe('${{ secrets.LOCKSTEP_STATE_URL }}');
    expect(steps(w).some((s) => s.uses?.startsWith('actions/cache'))).toBe(false);
    const runs = steps(w).map((s) => s.run ?? '');
    const verify = runs.findIndex((r) => r.includes('npx lockstep audit verify'));
    const apply = runs.findIndex((r) => r.includes('npx lockstep apply'));
    expect(verify).toBeGreaterThanOrEqual(0);
    expect(verify).toBeLessThan(apply);
    // No skip when the journal is absent: only an explicit first-run switch migrates instead.
    expect(runs[verify]).not.toMatch(/\[ ! -f/);
    expect(runs[verify]).toMatch(/LOCKSTEP_FIRST_RUN|FIRST_RUN/);
    // Pull request plans never reach for the shared state.
    expect((Object.values(workflows.get('policy-plan.yml')!.jobs)[0] as unknown as { env: Record<string, string> }).env['LOCKSTEP_STATE']).toBe('file');
  });
});
