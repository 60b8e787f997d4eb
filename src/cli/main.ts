import { Command, CommanderError, Option } from 'commander';
import { ExitCode, GuardHaltError, InternalError, ProviderError, UserError, formatProblem } from '../errors.js';
import { redactor } from '../policy/secrets.js';
import { parseFormat } from './render-plan.js';
import { writeErr } from './output.js';
import { lockstepVersion } from './version.js';

const POLICIES = ['--policies <dir>', 'policy folder', './policies'] as const;

/** Builds the command tree. Every action resolves to an exit code; errors go to `run`'s one catch. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('lockstep')
    .description('Access policy as code: plan and apply who has access to what, from YAML in Git.')
    .version(lockstepVersion())
    .showHelpAfterError()
    .exitOverride();
  const done = (p: Promise<number>) => p.then(setExit);
  const state = new Option('--state-dir <dir>', "the file state backend's folder (journal, lock, tasks, HR events)").env('LOCKSTEP_STATE_DIR');
  const store = () =>
    new Option(
      '--state <backend>',
      "state backend: file, or postgres://user@host/db (password by reference: PGPASSWORD, or --state '${env:NAME}'); default Config spec.state, else file",
    ).env('LOCKSTEP_STATE');
  const format = new Option('--format <format>', 'text, markdown or json').default('text').argParser(parseFormat);
  const record = () => new Option('--record <dir>', "keep this run's provider exchanges, sanitised, in a new folder under <dir> (docs/recording.md)");

  program
    .command('validate')
    .description('check every policy document and the roster; report every problem as file:line:col')
    .option(...POLICIES)
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--offline', 'do not resolve ${env:} / ${file:} secret references')
    .action((o) => done(import('./commands/validate.js').then((m) => m.validateCommand(o))));

  program
    .command('plan')
    .description('show the changes that would bring every provider back to the policy')
    .option(...POLICIES)
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--snapshot <file>', 'plan offline against an observed-state snapshot')
    .option('--sandbox', 'plan against the built-in sandbox emulators')
    .option('--now <iso>', 'the time to plan at (default: now)')
    .addOption(format)
    .option('--out <file>', 'save the plan (JSON) for apply')
    .option('--detailed-exitcode', 'exit 2 when there are changes')
    .option('--journal <file>', 'audit journal (default: .lockstep/journal.jsonl)')
    .addOption(state)
    .addOption(store())
    .addOption(record())
    .action((o) => done(import('./commands/plan.js').then((m) => m.planCommand(o))));

  program
    .command('diff')
    .description('the effective access diff between two versions of the policy: who gains or loses what')
    .option(...POLICIES)
    .requiredOption('--base <ref>', 'Git ref of the policy to compare against (e.g. origin/main)')
    .option('--head <ref>', 'Git ref of the new policy (default: the work tree)')
    .option('--people <file>', "HR roster both sides are resolved against (default: head's Config spec.people.file)")
    .option('--now <iso>', 'the time to resolve access at (default: now)')
    .addOption(format)
    .option('--detailed-exitcode', 'exit 2 when anything differs')
    .action((o) => done(import('./commands/diff.js').then((m) => m.diffCommand(o))));

  program
    .command('comment')
    .description("create or update Lockstep's comment on a GitHub pull request, in parts past GitHub's size limit (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH)")
    .option('--diff <file>', 'effective access diff from lockstep diff --format json')
    .option('--plan <file>', 'plan saved with lockstep plan --out')
    .option('--pr <number>', 'pull request number (default: from the event file)')
    .option('--artifact <text>', 'where the full JSON lives, named where rows are cut')
    .option('--dry-run', 'print the comment instead of posting it')
    .action((o) => done(import('./commands/comment.js').then((m) => m.commentCommand(o))));

  program
    .command('report')
    .description('former employees with access, orphans, dormant accounts, exceptions, time to revoke, automation coverage')
    .option(...POLICIES)
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--snapshot <file>', 'report on an observed-state snapshot instead of observing')
    .option('--now <iso>', 'the time to report at (default: now)')
    .option('--format <format>', 'text, markdown, json or html (a self-contained page with charts)', 'text')
    .option('--out <file>', 'write the report to a file')
    .option('--journal <file>', 'audit journal (default: .lockstep/journal.jsonl)')
    .addOption(state)
    .addOption(store())
    .action((o) => done(import('./commands/report.js').then((m) => m.reportCommand(o))));

  program
    .command('evidence')
    .description("the auditor's package for a period: journal extract and chain check, terminations and revocation times, policy history, report, control mapping")
    .option(...POLICIES)
    .requiredOption('--from <date>', 'start of the period (YYYY-MM-DD or an ISO instant)')
    .requiredOption('--to <date>', 'end of the period, inclusive for a date')
    .requiredOption('--out <dir>', 'folder to write the package to')
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--snapshot <file>', 'observed state for the report (default: observe the providers)')
    .option('--public-key <file>', 'Ed25519 public key to check the journal signatures with (default: Config spec.signing.publicKey)')
    .option('--journal <file>', 'audit journal (default: .lockstep/journal.jsonl)')
    .addOption(state)
    .addOption(store())
    .action((o) => done(import('./commands/evidence.js').then((m) => m.evidenceCommand(o))));

  const review = program.command('review').description('access reviews as pull requests');
  review
    .command('start')
    .description('write a review file listing the members of a role (or of every role of a tier) to keep or revoke')
    .option(...POLICIES)
    .option('--role <name>', 'the RoleProfile to review')
    .option('--tier <tier>', 'review every role of this tier (standard or privileged)')
    .option('--due <duration>', 'time the reviewer has (e.g. 14d)', '14d')
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--now <iso>', 'the review date (default: now)')
    .action((o) => done(import('./commands/review.js').then((m) => m.reviewStartCommand(o))));

  program
    .command('apply')
    .description('apply a saved plan, or plan and apply after confirmation')
    .argument('[plan-file]', 'a plan saved with plan --out')
    .option(...POLICIES)
    .option('--people <file>', 'HR roster when planning now')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--approve-guard <checksum>', 'approve a tripped guard for exactly the plan with this checksum')
    .option('--max-age <duration>', 'refuse saved plans older than this (default 24h)')
    .option('--now <iso>', 'the time to plan at, when planning now')
    .option('--journal <file>', 'audit journal (default: Config spec.journal.file or .lockstep/journal.jsonl)')
    .addOption(state)
    .addOption(store())
    .addOption(record())
    .action((file, o) => done(import('./commands/apply.js').then((m) => m.applyCommand(file, o))));

  program
    .command('show')
    .description('render a saved plan; say where it was made and whether its signature verifies')
    .argument('<plan-file>')
    .addOption(new Option('--format <format>', 'text, markdown or json').default('text').argParser(parseFormat))
    .option('--policies <dir>', 'policy folder whose Config spec.signing checks the signature (default: ./policies, when it exists)')
    .option('--public-key <file>', 'Ed25519 public key (SPKI PEM) to check the signature with')
    .action((file, o) => done(import('./commands/show.js').then((m) => m.showCommand(file, o))));

  program
    .command('observe')
    .description('observe every provider and write a snapshot')
    .option(...POLICIES)
    .option('--out <file>', 'snapshot file (default: stdout)')
    .option('--resync', 'read everything afresh, ignoring incremental (delta) state kept from earlier observations')
    .addOption(new Option('--state-dir <dir>').env('LOCKSTEP_STATE_DIR').hideHelp())
    .addOption(store())
    .addOption(record())
    .action((o) => done(import('./commands/observe.js').then((m) => m.observeCommand(o))));

  program
    .command('import')
    .description("write a starting policy folder that reproduces today's access, and report what roster attributes cannot explain")
    .option(...POLICIES)
    .option('--out <dir>', 'new (or empty) folder to write the policy to')
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--snapshot <file>', 'import from an observed-state snapshot instead of observing')
    .option('--providers <names>', 'only these providers (comma-separated; default every provider in Config)')
    .option('--groups <pattern>', 'only groups whose name matches: a glob (* and ?) or /regex/flags')
    .option('--now <iso>', 'who the roster entitles is decided at this time (default: now)')
    .option('--dry-run', 'print the files that would be written and the report; write nothing')
    .option('--force', 'write into a non-empty --out folder, naming every file replaced')
    .addOption(new Option('--state-dir <dir>').env('LOCKSTEP_STATE_DIR').hideHelp())
    .addOption(store())
    .action((o) => done(import('./commands/import.js').then((m) => m.importCommand(o))));

  program
    .command('replay')
    .description('make the provider calls of recorded runs again against their recordings, and compare the answers (docs/recording.md)')
    .argument('<dir>', 'a folder written by --record, or one run folder in it')
    .option('--format <format>', 'text or json', 'text')
    .action((dir, o) => done(import('./commands/replay.js').then((m) => m.replayCommand(dir, o))));

  program
    .command('controller')
    .description('reconcile on a schedule, contain leavers from HR webhook events, serve /metrics, /healthz and /readyz')
    .option(...POLICIES)
    .option('--repo <url>', 'policy Git repository to clone and follow (--policies is then the folder inside it)')
    .option('--work-dir <dir>', 'where --repo is cloned: a cache each replica keeps for itself (default: <state-dir>/repo)')
    .option('--branch <name>', 'the branch to apply: only commits reachable from it', 'main')
    .option('--people <file>', 'HR roster (default: Config spec.people.file)')
    .option('--interval <duration>', 'time between cycles, jittered ±10%', '15m')
    .option('--once', "run one cycle and exit with apply's code (0 ok, 1 failure, 3 guard halt)")
    .option('--listen <host:port>', 'HTTP address (:0 picks a free port)', '127.0.0.1:8080')
    .option('--webhook-secret-file <file>', 'shared secret of the HR webhook (or LOCKSTEP_WEBHOOK_SECRET)')
    .option('--alert-webhook <url>', 'POST a JSON alert here on a guard halt or a failed cycle')
    .option('--leader-election', 'with several replicas: only the holder of a Kubernetes Lease applies')
    .option('--lease-namespace <ns>', 'namespace of the Lease')
    .option('--lease-name <name>', 'name of the Lease', 'lockstep-controller')
    .option('--lease-duration <seconds>', 'seconds a leader holds the Lease without renewing', '15')
    .option('--kubeconfig <file>', 'kubeconfig for the Lease when not running in a cluster')
    .option('--context <name>', 'kubeconfig context for the Lease')
    .option('--journal <file>', 'audit journal (default: Config spec.journal.file or .lockstep/journal.jsonl)')
    .addOption(state)
    .addOption(store())
    .action((o) => done(import('./commands/controller.js').then((m) => m.controllerCommand(o))));

  program
    .command('state')
    .description('the state store')
    .command('migrate')
    .description('create or migrate the PostgreSQL state schema, then exit (writers also migrate on start)')
    .addOption(store())
    .addOption(new Option('--state-dir <dir>').env('LOCKSTEP_STATE_DIR').hideHelp())
    .action((o) => done(import('./commands/state.js').then((m) => m.stateMigrateCommand(o))));

  const audit = program.command('audit').description('the audit journal');
  audit
    .command('verify')
    .description('verify the journal hash chain and its checkpoint (and, with a key, its signatures); name the first tampered, deleted, reordered or missing record')
    .option('--journal <file>', 'journal file (default: .lockstep/journal.jsonl)')
    .option('--checkpoint <file>', 'the journal checkpoint (default: the journal file with .checkpoint added)')
    .option('--public-key <file>', 'Ed25519 public key (SPKI PEM): check every signature, and refuse unsigned records after signed ones')
    .addOption(new Option('--state-dir <dir>').env('LOCKSTEP_STATE_DIR').hideHelp())
    .addOption(store())
    .action((o) => done(import('./commands/audit.js').then((m) => m.auditVerifyCommand(o))));

  program
    .command('sandbox')
    .description('start emulators for every provider type, seeded from a snapshot, and print their config')
    .option('--snapshot <file>', 'seed the emulators from this snapshot (default: the demo organisation)')
    .option('--port <port>', 'first port to listen on (default: any free port)')
    .action((o) => done(import('./commands/sandbox.js').then((m) => m.sandboxCommand(o))));

  program
    .command('demo')
    .description('the whole story on a built-in demo organisation: plan, guard halt, approval, apply, re-plan, audit')
    .option('--dir <dir>', 'work folder (default: a new temporary folder)')
    .action((o) => done(import('./commands/demo.js').then((m) => m.demoCommand(o))));

  return program;
}

/** Runs the CLI and returns the exit code. The one top-level catch maps errors to codes. */
export async function run(argv: string[]): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? ExitCode.Ok : ExitCode.Error;
  }
  if (e instanceof UserError) {
    for (const p of e.problems) writeErr(`${formatProblem(p)}\n`);
    writeErr(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} found; nothing was observed or applied.\n`);
    return ExitCode.Error;
  }
  if (e instanceof GuardHaltError) {
    writeErr(`${e.message}\n`);
    return ExitCode.GuardTripped;
  }
  if (e instanceof ProviderError) {
    writeErr(`provider ${e.provider}: ${e.message}${e.status ? ` (HTTP ${e.status})` : ''}\n`);
    return ExitCode.Error;
  }
  const err = e instanceof InternalError ? e : new InternalError(String((e as Error)?.message ?? e), e);
  writeErr(`internal error: ${redactor.redact(err.message)}\n`);
  if (process.env.LOCKSTEP_DEBUG && (e as Error)?.stack) writeErr(`${redactor.redact((e as Error).stack!)}\n`);
  return ExitCode.Error;
}
