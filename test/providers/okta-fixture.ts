import { capabilitiesOf } from '../../providers/registry.js';
import { oktaModule } from '../../providers/okta/index.js';
import type { OktaConnection } from '../../src/types/index.js';
import type { OktaEmulator } from '../../providers/okta/emulator/index.js';
import type { ContractFixture, ContractSetupOptions } from './contract.js';
import { providerContext } from './scim-fixture.js';

/** Where the Okta provider's requests go, as fault-rule matches. */
export const OKTA_ENDPOINTS: ContractFixture['endpoints'] = {
  readAccount: { method: 'GET', path: '/api/v1/users/{id}' },
  writeAccount: { method: 'POST', path: '/api/v1/users/{id}/lifecycle/suspend' },
  writeGroup: { path: '/api/v1/groups/{id}/users/{userId}' },
  deleteAccount: { method: 'DELETE', path: '/api/v1/users/{id}' },
};

/** An Okta provider built through its module with an SSWS token, as Config would, against a running emulator. */
export function oktaFixture(emulator: OktaEmulator, token: string, options: ContractSetupOptions): ContractFixture {
  const connection: OktaConnection = {
    type: 'okta',
    orgUrl: emulator.url,
    token: '${env:OKTA_TOKEN}',
    pageSize: options.pageSize,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const provider = oktaModule.create(connection, providerContext('okta-main', { OKTA_TOKEN: token }));
  return {
    provider,
    controls: {
      faults: emulator.faults,
      counters: emulator.counters,
      inspect: () => emulator.observed(),
      credentials: (id) => emulator.credentials(id),
    },
    seed: options.seed,
    listEndpoints: [
      { key: 'GET /api/v1/users', lists: 'accounts' },
      { key: 'GET /api/v1/groups', lists: 'groups' },
    ],
    endpoints: OKTA_ENDPOINTS,
    secret: token,
    automated: capabilitiesOf(connection).automated,
    close: async () => {
      await provider.close();
      await emulator.close();
    },
  };
}
