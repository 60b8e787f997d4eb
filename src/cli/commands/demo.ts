import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { stringify } from 'yaml';
import { ExitCode, UserError } from '../../errors.js';
import { demoOrg } from '../../demo/demo-org.js';
import { rifApprovals } from '../../demo/policy.js';
import { writePolicyFolder } from '../../demo/write-policy.js';
import type { Org, StoryFacts } from '../../demo/model.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import type { Plan } from '../../types/index.js';
import { silentLogger, writeErr, writeOut } from '../output.js';
import { manualOwners } from './sandbox.js';
import { plural } from '../../wording/plural.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bin', 'lockstep.js');

interface Step {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** A step of the story that did not end as the story needs: the demo stops there (exit 1). */
class DemoStopped extends Error {}

/**
 * `lockstep demo`: the whole story on the built-in Northwind organisation, each step a
 * real `lockstep` command against the sandbox emulators: validate, plan (leavers, a ghost
 * account, an orphan, dormant accounts, drift, exceptions, a reduction in force), the
 * guard halting the apply, an approval merged in Git, the apply, the app owner confirming
 * manual tasks, a clean re-plan and the journal verified. The first step that does not end
 * as the story needs stops it with exit 1, saying which step and why.
 *
 * `--dir` must be a new or empty folder: the demo makes a Git repository there, writes a
 * policy and commits as three made-up people, so it refuses a folder that holds anything
 * (someone's policy repository above all) rather than overwrite it or commit onto its branch.
 */
export async function demoCommand(opts: { dir?: string }): Promise<number> {
  const work = opts.dir ? emptyFolder(resolve(opts.dir)) : mkdtempSync(join(tmpdir(), 'lockstep-demo-'));
  const now = new Date();
  const org = demoOrg(now);
  const facts = org.story;
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(org.snapshot, { dir: join(work, '.lockstep', 'sandbox'), owners: manualOwners(org.documents), log: silentLogger });
  } catch (e) {
    return stopped(work, `the sandbox did not start: ${(e as Error).message}`);
  }
  try {
    return await tell(work, org, facts, sandbox);
  } catch (e) {
    if (e instanceof DemoStopped) return stopped(work, e.message);
    return stopped(work, (e as Error).message);
  } finally {
    await sandbox.stop();
  }
}

/** The folder `--dir` names, made when absent; anything already in it is refused. */
function emptyFolder(dir: string): string {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`demo --dir ${dir}: not a folder`);
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (entries.length > 0) {
    throw new UserError(
      `demo --dir ${dir}: the folder is not empty. The demo makes a Git repository of its own there and commits a made-up policy; ` +
        'it never writes into an existing folder. Name a new or empty folder, or leave --dir out for a temporary one.',
    );
  }
  return dir;
}

function stopped(work: string, why: string): number {
  writeErr(`demo stopped: ${why}
What it did so far is in ${work}.
`);
  return ExitCode.Error;
}

async function tell(work: string, org: Org, facts: StoryFacts, sandbox: Sandbox): Promise<number> {
  const say = (s = '') => writeOut(`${s}\n`);
  const policies = join(work, 'policies');
  await writePolicyFolder(policies, pointAtSandbox(org, sandbox));
  const git = simpleGit(work);
  await inGit('make the policy repository', async () => {
    await git.init();
    await git.addConfig('user.name', 'Sam Rivera (Security)').addConfig('user.email', 'sam.rivera@northwind.example').addConfig('commit.gpgsign', 'false');
    writeFileSync(join(work, '.gitignore'), '.lockstep/\n*.plan.json\n');
    await git.add('.').commit('Northwind access policy');
  });

  const providers = Object.entries(org.snapshot.providers)
    .map(([n, p]) => `${n} (${p.type})`)
    .join(', ');
  say(`Lockstep demo: ${facts.company.name}, ${facts.people} people, providers ${providers}`);
  say(`Work folder (a Git policy repo, the journal, saved plans): ${work}`);
  say();
  say('1. The policy and the HR roster are checked');
  const validated = await lockstep(work, ['validate']);
  expectCode(validated, ExitCode.Ok, 'step 1: the policy should be valid');
  show(validated, { indent: true });

  say('2. Plan: what it takes to bring every provider back to the policy');
  const first = await lockstep(work, ['plan', '--out', 'first.plan.json', '--format', 'json']);
  expectCode(first, ExitCode.GuardTripped, 'step 2: the first plan should trip the guard');
  const plan1 = planOf(first, 'step 2');
  narratePlan(say, plan1, facts);

  say(`3. Apply the plan: the guard halts it (exit ${ExitCode.GuardTripped}), nothing is applied`);
  const halted = await lockstep(work, ['apply', 'first.plan.json']);
  expectCode(halted, ExitCode.GuardTripped, 'step 3: the guard should halt the first apply');
  show(halted, { indent: true, tail: 3 });

  const approvals = rifApprovals(facts, new Date());
  say(`4. HR confirms the reduction in force: a reviewer merges ${approvals.length === 1 ? 'an Approval' : `${approvals.length} Approvals, one per group`}`);
  await inGit('step 4: commit the Approvals', async () => {
    mkdirSync(join(policies, 'approvals'), { recursive: true });
    for (const approval of approvals) writeFileSync(join(policies, 'approvals', `${approval.metadata.name}.yaml`), stringify(approval));
    await git.addConfig('user.name', 'Priya Shah (People Ops)').addConfig('user.email', 'priya.shah@northwind.example');
    await git.add('.').commit(`Approve the Sales reduction in force: ${plural(facts.rif.people.length, 'removal')} per Sales group (HR-4471)`);
  });
  for (const approval of approvals) {
    say(
      `   Approval/${approval.metadata.name}: scope ${approval.spec.scope?.provider} "${approval.spec.scope?.group}", allowRemovals ${approval.spec.allowRemovals}, expires ${approval.spec.expires}`,
    );
  }
  say();

  say('5. Plan again and apply: containment first, then removals; manual work becomes tasks for the app owner');
  const second = await lockstep(work, ['plan', '--out', 'second.plan.json', '--format', 'json']);
  expectCode(second, ExitCode.Ok, 'step 5: the plan with the Approvals merged should pass the guard');
  const plan2 = planOf(second, 'step 5');
  say(`   guard: ${plan2.guard.tripped ? 'still tripped' : `passes (${plan2.guard.violations.map((v) => `${v.kind} approved by ${v.approvedBy}`).join('; ')})`}`);
  const applied = await lockstep(work, ['apply', 'second.plan.json']);
  expectCode(applied, ExitCode.Ok, 'step 5: the approved apply should succeed');
  show(applied, { indent: true, tail: 1 });

  say('6. The VPN owner does the manual tasks and confirms them in Git');
  const confirmed = await inGit('step 6: commit the Confirmation', async () => {
    const n = await confirmOpenTasks(work, policies);
    await git.addConfig('user.name', 'Noor Haddad (NetOps)').addConfig('user.email', 'netops@northwind.example');
    await git.add('.').commit(`Confirm ${n} VPN tasks`);
    return n;
  });
  say(`   ${confirmed} task${confirmed === 1 ? '' : 's'} confirmed by netops; applying records them as done`);
  const closing = await lockstep(work, ['apply', '--auto-approve']);
  expectCode(closing, ExitCode.Ok, 'step 6: recording the confirmations should succeed');
  show(closing, { indent: true, tail: 1 });

  say('7. Plan once more: nothing left to do');
  const clean = await lockstep(work, ['plan', '--detailed-exitcode']);
  expectCode(clean, ExitCode.Ok, 'step 7: the final plan should have no changes');
  show(clean, { indent: true, tail: 1 });

  say('8. The audit journal: every change, the halt and the approval, hash-chained');
  const audit = await lockstep(work, ['audit', 'verify']);
  expectCode(audit, ExitCode.Ok, 'step 8: the journal should verify');
  show(audit, { indent: true });
  say(`Done. Explore ${work}: policies/ (git log), .lockstep/journal.jsonl, .lockstep/tasks/.`);
  return ExitCode.Ok;
}

/** A Git step of the story; git missing or failing stops the demo with what git said. */
async function inGit<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw new DemoStopped(`${what}: git failed (the demo needs git on the PATH): ${(e as Error).message.trim()}`);
  }
}

/** The plan a `plan --format json` step printed. */
function planOf(step: Step, what: string): Plan {
  try {
    return JSON.parse(step.stdout) as Plan;
  } catch {
    throw new DemoStopped(`${what}: lockstep plan printed no JSON plan\n${step.stderr.trim()}`);
  }
}

/** The demo's Config reaches the sandbox's emulators; manual apps keep their inventories. */
function pointAtSandbox(org: Org, sandbox: Sandbox): Org {
  const documents = org.documents.map((d) => {
    if (d.kind !== 'Config') return d;
    const providers = { ...d.spec.providers };
    for (const [name, emu] of sandbox.emulators) if (emu.url) providers[name] = { ...providers[name], ...emu.connection } as never;
    return { ...d, spec: { ...d.spec, providers } };
  });
  return { ...org, documents };
}

function narratePlan(say: (s?: string) => void, plan: Plan, facts: StoryFacts): void {
  const count = (pred: (c: Plan['changes'][number]) => boolean) => plan.changes.filter(pred).length;
  say(`   ${plural(plan.changes.length, 'change')}; ${plural(plan.findings.length, 'finding')}`);
  for (const l of facts.leavers) {
    say(
      `   leaver ${l.email} (ended ${l.endDate}${l.privileged ? ', privileged' : ''}): ${plural(
        count((c) => c.person === l.email),
        'change',
      )} across ${plural(new Set(plan.changes.filter((c) => c.person === l.email).map((c) => c.provider)).size, 'provider')}`,
    );
  }
  say(
    `   ghost account ${facts.ghost.alias} in ${facts.ghost.provider} belongs to ${facts.ghost.person}: ${plural(
      count((c) => c.target.account?.login === facts.ghost.alias),
      'change',
    )}`,
  );
  say(
    `   orphan ${facts.orphan.login} in ${facts.orphan.provider}: ${
      plan.changes
        .filter((c) => c.target.account?.login === facts.orphan.login)
        .map((c) => c.action)
        .join(', ') || 'reported'
    }`,
  );
  say(`   dormant: ${facts.dormant.map((d) => `${d.login} (${plural(d.days, 'day')})`).join(', ')}`);
  say(`   drift in ${facts.drift.provider} "${facts.drift.group}": ${facts.drift.members.join(', ')} removed`);
  say(
    `   exception ${facts.exception.name} keeps ${facts.exception.person} in "${facts.exception.group}" until ${facts.exception.expires}; expired ${facts.expiredException.name} no longer does`,
  );
  const groups = facts.rif.groups.map((g) => `${g.provider} "${g.group}" (${g.members})`).join(', ');
  say(`   reduction in force: ${facts.rif.people.length} Sales staff leave at once, members of ${groups}`);
  const kinds = Object.entries(plan.summary.findings)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  say(`   findings: ${kinds}`);
  for (const v of plan.guard.violations)
    say(
      `   guard ${v.approvedBy ? 'ok' : 'TRIPPED'}: ${v.kind} ${v.provider}${v.group ? ` "${v.group}"` : ''} removing ${v.removing} of ${v.current} (${(v.fraction * 100).toFixed(1)}% > ${(v.threshold * 100).toFixed(0)}%)`,
    );
  say(`   plan saved as first.plan.json, checksum ${plan.checksum}`);
  say();
}

/** Writes a Confirmation for every open manual task, as the app owner would after doing them. */
async function confirmOpenTasks(work: string, policies: string): Promise<number> {
  const root = join(work, '.lockstep', 'tasks');
  const ids: string[] = [];
  for (const provider of safeList(root)) for (const f of safeList(join(root, provider))) if (f.endsWith('.json')) ids.push(f.slice(0, -5));
  if (ids.length === 0) return 0;
  const doc = {
    apiVersion: 'lockstep.dev/v1',
    kind: 'Confirmation',
    metadata: { name: 'vpn-offboarding' },
    spec: {
      changes: ids.sort(),
      confirmedBy: 'netops@northwind.example',
      confirmedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      note: 'Done in the VPN admin console',
    },
  };
  mkdirSync(join(policies, 'confirmations'), { recursive: true });
  writeFileSync(join(policies, 'confirmations', 'vpn-offboarding.yaml'), stringify(doc));
  return ids.length;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function lockstep(cwd: string, args: string[]): Promise<Step> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: demoEnv(cwd), maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ args, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The environment of the demo's commands: the caller's, except that the state is always the
 * file backend in the work folder, whatever LOCKSTEP_STATE or LOCKSTEP_STATE_DIR name (a
 * demo never writes to a real journal or state store).
 */
function demoEnv(work: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LOCKSTEP_STATE: 'file', LOCKSTEP_STATE_DIR: join(work, '.lockstep') };
  delete env.LOCKSTEP_STATE_URL;
  return env;
}

function show(step: Step, opts: { indent?: boolean; tail?: number } = {}): void {
  let lines = step.stdout.trimEnd().split('\n').filter(Boolean);
  if (opts.tail !== undefined) lines = lines.slice(-opts.tail);
  for (const l of lines) writeOut(`${opts.indent ? '   ' : ''}${l}\n`);
  writeOut('\n');
}

function expectCode(step: Step, code: number, what: string): void {
  if (step.code !== code) {
    const output = [step.stderr.trim(), step.stdout.trim().split('\n').slice(-5).join('\n')].filter(Boolean).join('\n');
    throw new DemoStopped(`${what}, but lockstep ${step.args.join(' ')} exited ${step.code}${output ? `:\n${output}` : ''}`);
  }
}
