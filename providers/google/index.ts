import { UserError } from '../../src/errors.js';
import { endpointProblems } from '../../src/provider/endpoint.js';
import type { ProviderModule } from '../../src/provider/provider.js';
import { redactor } from '../../src/policy/secrets.js';
import type { GoogleConnection } from '../../src/types/index.js';
import { checkedUrl, createJwtClient, parseServiceAccountKey } from './auth.js';
import { GoogleApi } from './client.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { MAX_USERS_PAGE } from './observe.js';
import { GOOGLE_CAPABILITIES, GoogleProvider } from './provider.js';
import { OBSERVE_SCOPES, PROVIDER_SCOPES } from './scopes.js';
import { DriveCalendarTransfer } from './transfer.js';

export { GoogleProvider } from './provider.js';
export { OBSERVE_SCOPES, PROVIDER_SCOPES } from './scopes.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export const googleModule: ProviderModule<GoogleConnection> = {
  type: 'google',
  configSchema,
  capabilities: () => GOOGLE_CAPABILITIES,
  checkConnection: (name, c) => endpointProblems(name, { rootUrl: c.rootUrl }),
  create(c, ctx) {
    const rootUrl = c.rootUrl ? checkedUrl('rootUrl', c.rootUrl).origin + '/' : undefined;
    let json: string;
    try {
      json = ctx.secrets.resolve(c.credentials);
    } catch (e) {
      throw new UserError(`credentials: ${(e as Error).message}`);
    }
    const key = parseServiceAccountKey(json);
    redactor.add(key.privateKey);
    const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const scopes = ctx.access === 'read' ? OBSERVE_SCOPES : PROVIDER_SCOPES;
    const jwt = createJwtClient(key, c.subject, scopes, timeoutMs, ctx.tap);
    const api = new GoogleApi({
      provider: ctx.name,
      jwt,
      rootUrl,
      timeoutMs,
      secrets: [key.privateKey, json],
      delegation: { clientId: key.clientId, scopes },
    });
    const transfers = new DriveCalendarTransfer(api, { waitMs: c.transferWaitMs ?? 300_000, pollMs: c.transferPollMs ?? 1_000 });
    const observe = { customer: c.customer, pageSize: c.pageSize ?? MAX_USERS_PAGE, concurrency: c.observeConcurrency ?? 8 };
    return new GoogleProvider(ctx.name, api, observe, transfers, ctx.log);
  },
};
