import type { ProviderModule } from '../../src/provider/provider.js';
import type { ManualConnection } from '../../src/types/index.js';
import configSchema from './config.schema.json' with { type: 'json' };
import { ManualProvider } from './provider.js';
import { TaskBook, taskFolder } from './tasks.js';

export { ManualProvider } from './provider.js';
export { TaskBook, TASK_LIST_FILE, taskFolder, type TaskRecord } from './tasks.js';
export { parseInventory, readInventory } from './inventory.js';

export const manualModule: ProviderModule = {
  type: 'manual',
  configSchema,
  create(connection, ctx) {
    const c = connection as unknown as ManualConnection;
    return new ManualProvider(ctx.name, c.inventory, TaskBook.at(ctx.name, taskFolder(c.tasks, ctx), c.owner), ctx);
  },
};
