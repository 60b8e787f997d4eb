import type { ProviderModule } from '../../src/provider/provider.js';
import type { ManualConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { MANUAL_CAPABILITIES, ManualProvider } from './provider.js';

export { ManualProvider } from './provider.js';

export { parseInventory, readInventory } from './inventory.js';

export const manualModule: ProviderModule<ManualConnection> = {
  type: 'manual',
  configSchema,
  capabilities: () => MANUAL_CAPABILITIES,
  create(c, ctx) {
    return new ManualProvider(ctx.name, c.inventory, ctx.policyDir);
  },
};
