import { endpointProblems } from '../../src/provider/endpoint.js';
import type { ProviderModule } from '../../src/provider/provider.js';
import type { OktaConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { createOktaClient } from './connection.js';
import { FailureMapper } from './failures.js';
import { OKTA_CAPABILITIES, OktaProvider } from './provider.js';

export { OktaProvider } from './provider.js';

/** Member listings in flight at once while observing; the pacer keeps them under the rate limit. */
const OBSERVE_CONCURRENCY = 32;

export const oktaModule: ProviderModule<OktaConnection> = {
  type: 'okta',
  configSchema,
  capabilities: () => OKTA_CAPABILITIES,
  checkConnection(name, c) {
    const problems = endpointProblems(name, { orgUrl: c.orgUrl });
    if (c.token === undefined && (c.clientId === undefined || c.privateKey === undefined)) {
      problems.push({ message: `okta provider ${name} needs "token", or "clientId" and "privateKey"`, path: [] });
    }
    return problems;
  },
  create(c, ctx) {
    const setup = createOktaClient(c, ctx);
    const failures = new FailureMapper(ctx.name, setup.secrets, setup.timeoutMs);
    return new OktaProvider(ctx.name, setup.client, { pageSize: c.pageSize, observeConcurrency: OBSERVE_CONCURRENCY }, failures);
  },
};
