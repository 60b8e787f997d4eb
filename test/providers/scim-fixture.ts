import { SecretResolver } from '../../src/policy/secrets.js';
import type { ProviderContext } from '../../src/provider/provider.js';
import { fileStore } from '../../src/state/file-store.js';
import type { ObservedProvider, ScimConnection } from '../../src/types/index.js';
import { capabilitiesOf } from '../../providers/registry.js';
import { scimModule } from '../../providers/scim/index.js';
import type { ContractFixture, ContractSetupOptions } from './contract.js';
import type { RequestCounters } from '../../src/emulator/counters.js';
import type { FaultController } from '../../src/emulator/faults.js';

/** Where the SCIM provider's requests go, as fault-rule matches. */
export const SCIM_ENDPOINTS: ContractFixture['endpoints'] = {
  readAccount: { method: 'GET', path: '/Users/{id}' },
  writeAccount: { method: 'PATCH', path: '/Users/{id}' },
  writeGroup: { method: 'PATCH', path: '/Groups/{id}' },
  deleteAccount: { method: 'DELETE', path: '/Users/{id}' },
};

export function providerContext(name: string, env: Record<string, string>, dirs: { policyDir?: string; stateDir?: string } = {}): ProviderContext {
  const silent = { info: () => {}, warn: () => {}, debug: () => {} };
  return {
    name,
    policyDir: dirs.policyDir ?? '/nonexistent/policies',
    state: fileStore(dirs.stateDir ?? '/nonexistent/state').forProvider(name),
    secrets: new SecretResolver(env),
    log: silent,
    managedGroups: new Set(),
  };
}

/** A SCIM provider built through its module, as Config would, against a running service. */
export function scimFixture(
  server: { url: string; faults: FaultController; counters: RequestCounters; observed(): ObservedProvider; close(): Promise<void> },
  token: string,
  options: ContractSetupOptions,
): ContractFixture {
  const connection: ScimConnection = {
    type: 'scim',
    baseUrl: server.url,
    token: '${env:SCIM_TOKEN}',
    pageSize: options.pageSize,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const provider = scimModule.create(connection, providerContext('scim-app', { SCIM_TOKEN: token }));
  return {
    provider,
    controls: { faults: server.faults, counters: server.counters, inspect: () => server.observed() },
    seed: options.seed,
    listEndpoints: [
      { key: 'GET /Users', lists: 'accounts' },
      { key: 'GET /Groups', lists: 'groups' },
    ],
    endpoints: SCIM_ENDPOINTS,
    secret: token,
    automated: capabilitiesOf(connection).automated,
    close: async () => {
      await provider.close();
      await server.close();
    },
  };
}
