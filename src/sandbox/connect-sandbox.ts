import { SecretResolver } from '../policy/secrets.js';
import type { Logger, Provider } from '../provider/provider.js';
import { observeProviders } from '../snapshot/observe.js';
import { createProvider } from '../../providers/registry.js';
import type { Snapshot } from '../types/index.js';
import type { Sandbox } from './sandbox.js';

/** Observes the sandbox through the real providers (over HTTP to the emulators). */
export async function connectSandbox(sandbox: Sandbox, policyDir: string, stateDir: string, log: Logger): Promise<Snapshot> {
  const secrets = new SecretResolver(process.env, policyDir);
  const providers = new Map<string, Provider>();
  for (const [name, connection] of Object.entries(sandbox.connections)) {
    providers.set(name, createProvider(name, connection, { name, policyDir, stateDir, secrets, log, confirmations: new Map() }));
  }
  try {
    return await observeProviders(providers, log);
  } finally {
    await Promise.allSettled([...providers.values()].map((p) => p.close()));
  }
}
