import type { Logger } from '../logger.js';
import { closeProviders, createProviders, type ProviderWiring } from '../run/connect.js';
import { fileStore } from '../state/file-store.js';
import { observeProviders } from '../snapshot/observe.js';
import type { Snapshot } from '../types/index.js';
import type { Sandbox } from './sandbox.js';

/** Observes the sandbox through the real providers (over HTTP to the emulators). */
export async function connectSandbox(sandbox: Sandbox, policyDir: string, stateDir: string, log: Logger, wire?: ProviderWiring): Promise<Snapshot> {
  // Observing the sandbox keeps its delta links in a file store of its own folder.
  const providers = createProviders(sandbox.connections, { policyDir, store: fileStore(stateDir), log, wire, access: 'read' });
  try {
    return await observeProviders(providers, log);
  } finally {
    await closeProviders(providers);
  }
}
