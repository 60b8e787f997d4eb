import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isProviderType } from '../../providers/registry.js';
import type { Snapshot } from '../types/index.js';
import type { ProviderWiring } from '../run/connect.js';
import { EMULATORS, type RunningEmulator } from './emulators.js';

export interface SandboxOptions {
  /** Folder for token files and inventories. */
  dir: string;
  /** First port; each emulator takes the next one. 0 (default) picks free ports. */
  portBase?: number;
  /** App owners for manual providers, by provider name. */
  owners?: Record<string, string>;
  log: Logger;
}

export interface Sandbox {
  readonly emulators: ReadonlyMap<string, RunningEmulator>;
  /** Config `spec.providers` entries that reach the emulators. */
  readonly connections: Record<string, Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Starts an emulator for every provider in the seed snapshot whose type has one, seeded
 * with that provider's observed accounts, groups and memberships.
 */
export async function startSandbox(seed: Snapshot, opts: SandboxOptions): Promise<Sandbox> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const emulators = new Map<string, RunningEmulator>();
  let port = opts.portBase ?? 0;
  try {
    for (const name of Object.keys(seed.providers).sort()) {
      const observed = seed.providers[name]!;
      const start = isProviderType(observed.type) ? EMULATORS[observed.type] : undefined;
      if (!start) {
        opts.log.warn(`sandbox: no emulator for provider type "${observed.type}" yet; ${name} is left out`);
        continue;
      }
      const emu = await start({ name, seed: observed, dir: opts.dir, port, owner: opts.owners?.[name] ?? `owner@${name}.example` });
      emulators.set(name, emu);
      if (port !== 0 && emu.url) port++;
    }
  } catch (e) {
    await Promise.allSettled([...emulators.values()].map((x) => x.close()));
    throw e;
  }
  const connections = Object.fromEntries([...emulators].map(([n, e]) => [n, e.connection]));
  return {
    emulators,
    connections,
    stop: async () => {
      await Promise.allSettled([...emulators.values()].map((e) => e.close()));
    },
  };
}

/** The sandbox behind `plan --sandbox`: the demo world, observed through the providers. */
export async function startSandboxForPlan(
  opts: { policies: string; stateDir?: string | undefined; snapshot?: string | undefined; wire?: ProviderWiring | undefined },
  log: Logger,
): Promise<{ observe(): Promise<Snapshot>; stop(): Promise<void> }> {
  if (opts.snapshot) throw new UserError('--sandbox and --snapshot are exclusive: the sandbox is observed live');
  const { demoSnapshot } = await import('../demo/demo-org.js');
  const { connectSandbox } = await import('./connect-sandbox.js');
  const state = resolve(opts.stateDir ?? process.env.LOCKSTEP_STATE_DIR ?? '.lockstep');
  const sandbox = await startSandbox(demoSnapshot(), { dir: resolve(state, 'sandbox'), log });
  return {
    observe: () => connectSandbox(sandbox, resolve(opts.policies), state, log, opts.wire),
    stop: () => sandbox.stop(),
  };
}
