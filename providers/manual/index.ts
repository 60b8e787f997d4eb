import type { ProviderModule } from '../../src/provider/provider.js';
import type { ManualConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { ManualProvider } from './provider.js';

export { ManualProvider } from './provider.js';

export { parseInventory, readInventory } from './inventory.js';

export const manualModule: ProviderModule = {
  type: 'manual',
  configSchema,
  create(connection, ctx) {
    const c = connection as unknown as ManualConnection;
    return new ManualProvider(ctx.name, c.inventory, ctx.policyDir);
  },
};
