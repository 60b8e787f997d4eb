import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { ExitCode, UserError } from '../../errors.js';
import { startSandbox } from '../../sandbox/sandbox.js';
import { readSnapshot } from '../../snapshot/read.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { stateDir } from '../../run/state.js';

/**
 * `lockstep sandbox`: starts an emulator for every provider type that has one, seeded
 * from a snapshot (default: the demo organisation), prints the Config `providers` block
 * that reaches them, and serves until interrupted.
 */
export async function sandboxCommand(opts: { snapshot?: string; port?: string; stateDir?: string }): Promise<number> {
  const log = stderrLogger();
  const portBase = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65535) throw new UserError(`--port ${opts.port}: expected a port number`);
  let seed;
  let owners: Record<string, string> = {};
  if (opts.snapshot) seed = await readSnapshot(resolve(opts.snapshot));
  else {
    const { demoOrg } = await import('../../demo/demo-org.js');
    const org = demoOrg(new Date());
    seed = org.snapshot;
    owners = manualOwners(org.documents);
  }
  const sandbox = await startSandbox(seed, { dir: resolve(stateDir(opts.stateDir), 'sandbox'), portBase, owners, log });
  writeOut(`# Lockstep sandbox: paste under Config spec.providers (tokens are in files only you can read)\n`);
  writeOut(stringify({ providers: sandbox.connections }));
  writeErr(`sandbox running: ${sandbox.emulators.size} emulator${sandbox.emulators.size === 1 ? '' : 's'}; press Ctrl+C to stop\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.stop();
  writeErr('sandbox stopped\n');
  return ExitCode.Ok;
}

/** Owners of manual providers named in a Config document. */
export function manualOwners(documents: readonly unknown[]): Record<string, string> {
  const config = documents.find((d) => (d as { kind?: string }).kind === 'Config') as
    { spec: { providers: Record<string, { type: string; owner?: string }> } } | undefined;
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(config?.spec.providers ?? {})) if (c.type === 'manual' && c.owner) out[name] = c.owner;
  return out;
}
