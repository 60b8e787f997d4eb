import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { Controller } from '../../controller/controller.js';
import { createControllerServer, listen, parseListen } from '../../controller/http.js';
import { AlwaysLeader, type LeaderElector } from '../../controller/leader.js';
import { ControllerMetrics, countProviderRequests, providerHosts } from '../../controller/metrics.js';
import { folderSource, repoSource } from '../../controller/policy-source.js';
import { redactor } from '../../policy/secrets.js';
import { stderrLogger, writeErr } from '../output.js';
import { loadPlanningPolicy } from '../../run/plan-run.js';
import { describeStore, openStateStore, stateDir } from '../../run/state.js';
import { actor, parseDurationFlag } from '../workspace.js';

export interface ControllerCommandOptions {
  policies: string;
  repo?: string;
  workDir?: string;
  branch: string;
  people?: string;
  interval: string;
  once?: boolean;
  listen: string;
  stateDir?: string;
  state?: string;
  journal?: string;
  webhookSecretFile?: string;
  alertWebhook?: string;
  leaderElection?: boolean;
  leaseNamespace?: string;
  leaseName: string;
  leaseDuration: string;
  kubeconfig?: string;
  context?: string;
}

/**
 * The elector the flags ask for: a Kubernetes Lease when `--leader-election` is set
 * (in-cluster unless a kubeconfig or context is given), else a single replica that leads.
 */
async function electorFor(opts: ControllerCommandOptions): Promise<LeaderElector> {
  if (!opts.leaderElection) return new AlwaysLeader();
  if (!opts.leaseNamespace) throw new UserError('--leader-election needs --lease-namespace (the namespace of the Lease)');
  const seconds = Number(opts.leaseDuration);
  if (!Number.isInteger(seconds) || seconds < 1) throw new UserError(`--lease-duration ${opts.leaseDuration}: expected whole seconds, at least 1`);
  const { LeaseElector } = await import('../../controller/lease.js');
  const outside = opts.kubeconfig !== undefined || opts.context !== undefined;
  return new LeaseElector({
    namespace: opts.leaseNamespace,
    name: opts.leaseName,
    leaseDurationSeconds: seconds,
    ...(outside ? { kubeconfig: opts.kubeconfig, context: opts.context } : { inCluster: Boolean(process.env.KUBERNETES_SERVICE_HOST) }),
    log: (m) => writeErr(`${m}\n`),
  });
}

/**
 * `lockstep controller`: the reconcile loop with its HTTP face (SPEC §12). With `--once`,
 * one cycle and apply's exit code (0 ok, 1 failure, 3 guard halt). Otherwise runs until
 * SIGTERM or SIGINT, then stops taking work, lets the change in flight finish, closes the
 * journal, gives up leadership and exits 0.
 */
export async function controllerCommand(opts: ControllerCommandOptions, given?: LeaderElector): Promise<number> {
  const elector = given ?? (await electorFor(opts));
  const log = stderrLogger();
  const state = stateDir(opts.stateDir);
  const intervalMs = parseDurationFlag('--interval', opts.interval);
  if (intervalMs <= 0) throw new UserError('--interval must be longer than 0');
  const secret = await webhookSecret(opts);
  if (secret) redactor.add(secret);
  const source = opts.repo
    ? repoSource({ url: opts.repo, branch: opts.branch, dir: opts.workDir ? resolve(opts.workDir) : join(state, 'repo'), subdir: opts.policies, log })
    : folderSource(opts.policies);
  // The state store is chosen once, at start: --state, else the policy's Config as it is now.
  const startPolicy = opts.state === undefined ? await loadPlanningPolicy(await source.refresh(), { offline: false, peopleFile: opts.people, log }) : null;
  const storeName = describeStore(startPolicy, opts);
  const store = await openStateStore(startPolicy, opts, { log, write: true });
  log.info(`state: ${store.label}`);
  const metrics = new ControllerMetrics();
  let hosts = new Map<string, string>();
  const unsubscribe = countProviderRequests(metrics, () => hosts);
  const controller = new Controller({
    source,
    store,
    checkStore: (policy) => {
      const named = describeStore(policy, opts);
      if (named !== storeName)
        throw new UserError(`the policy now names the state store ${named}, but this controller runs on ${storeName}; restart it to move (nothing was applied)`);
    },
    peopleFile: opts.people ? resolve(opts.people) : undefined,
    intervalMs,
    alertUrl: opts.alertWebhook,
    elector,
    metrics,
    actor: process.env.LOCKSTEP_ACTOR ? actor() : `lockstep-controller@${actor().split('@')[1] ?? 'localhost'}`,
    log,
    onPolicy: (policy) => {
      hosts = providerHosts(policy.config.doc.spec.providers as unknown as Record<string, Record<string, unknown>>);
    },
  });
  await controller.restoreCycleState();

  await elector.start();
  if (opts.once) {
    try {
      return await controller.cycle();
    } finally {
      await elector.stop();
      unsubscribe();
      await store.close();
    }
  }

  const server = createControllerServer({ controller, metrics, secret, log });
  const url = await listen(server, parseListen(opts.listen));
  writeErr(`listening on ${url}\n`);
  log.info(`controller: policy from ${source.label}, every ${opts.interval} (±10%)${secret ? '' : '; HR webhook disabled (no secret)'}`);
  controller.startLoop();

  await new Promise<void>((done) => {
    const onSignal = (signal: string) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log.info(`${signal}: shutting down`);
      done();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await controller.stop();
  await elector.stop();
  unsubscribe();
  await store.close();
  server.closeAllConnections();
  await closed;
  log.info('controller stopped');
  return 0;
}

/** The HR webhook's shared secret: --webhook-secret-file, else LOCKSTEP_WEBHOOK_SECRET; null when neither. */
async function webhookSecret(opts: ControllerCommandOptions): Promise<string | null> {
  if (opts.webhookSecretFile) {
    let text: string;
    try {
      text = await readFile(resolve(opts.webhookSecretFile), 'utf8');
    } catch (e) {
      throw new UserError(`--webhook-secret-file: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const secret = text.trim();
    if (!secret) throw new UserError('--webhook-secret-file is empty');
    return secret;
  }
  const env = process.env.LOCKSTEP_WEBHOOK_SECRET?.trim();
  return env ? env : null;
}
