import { UserError } from '../../src/errors.js';
import { endpointProblems } from '../../src/provider/endpoint.js';
import type { ProviderContext, ProviderModule } from '../../src/provider/provider.js';
import type { ScimConnection } from '../../src/types/index.js';
import { ScimClient, type ScimAuth } from './client.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { scimCapabilities, ScimProvider } from './provider.js';

export { ScimClient } from './client.js';
export { ScimProvider } from './provider.js';

function resolveSecret(ctx: ProviderContext, key: string, ref: string): string {
  try {
    return ctx.secrets.resolve(ref);
  } catch (e) {
    throw new UserError(`${key}: ${(e as Error).message}`);
  }
}

function authOf(c: ScimConnection, ctx: ProviderContext): ScimAuth {
  if (c.token) return { kind: 'bearer', token: resolveSecret(ctx, 'token', c.token) };
  if (c.username && c.password) {
    return { kind: 'basic', username: resolveSecret(ctx, 'username', c.username), password: resolveSecret(ctx, 'password', c.password) };
  }
  throw new UserError('a scim connection needs token, or username and password');
}

export const scimModule: ProviderModule<ScimConnection> = {
  type: 'scim',
  configSchema,
  capabilities: scimCapabilities,
  checkConnection: (name, c) => endpointProblems(name, { baseUrl: c.baseUrl }),
  create(c, ctx) {
    const client = new ScimClient({ provider: ctx.name, baseUrl: c.baseUrl, auth: authOf(c, ctx), tap: ctx.tap, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) });
    return new ScimProvider(ctx.name, client, { pageSize: c.pageSize ?? 100, deleteMode: c.deleteMode ?? 'delete', capabilities: scimCapabilities(c) });
  },
};
