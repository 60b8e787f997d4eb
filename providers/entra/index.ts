import type { ProviderModule } from '../../src/provider/provider.js';
import type { EntraConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { connect, DEFAULT_GRAPH_URL } from './connection.js';
import { DeltaState } from './delta-state.js';
import { Failures } from './errors.js';
import { GraphApi } from './graph.js';
import { EntraObserver } from './observe.js';
import { ENTRA_CAPABILITIES, EntraProvider } from './provider.js';

export { EntraProvider } from './provider.js';

const DEFAULT_OBSERVE_CONCURRENCY = 16;

export const entraModule: ProviderModule<EntraConnection> = {
  type: 'entra',
  configSchema,
  capabilities: () => ENTRA_CAPABILITIES,
  create(c, ctx) {
    const failures = new Failures(ctx.name);
    const setup = connect(c, ctx, (credential, secrets, probe) => failures.watch(credential, secrets, probe));
    const api = new GraphApi(setup.client, failures);
    const graphRoot = new URL(c.graphUrl ?? DEFAULT_GRAPH_URL).origin;
    const state = new DeltaState(ctx.state.documents, `${c.tenantId} ${c.clientId} ${graphRoot}`, ctx.log);
    const observer = new EntraObserver(ctx.name, api, { pageSize: c.pageSize ?? 999, concurrency: c.observeConcurrency ?? DEFAULT_OBSERVE_CONCURRENCY }, state, ctx.log);
    return new EntraProvider(ctx.name, api, observer, graphRoot, setup.close);
  },
};
