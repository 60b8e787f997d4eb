import { UserError } from '../src/errors.js';
import { isProviderType } from '../src/provider/capabilities.js';
import type { Provider, ProviderContext, ProviderModule } from '../src/provider/provider.js';
import { entraModule } from './entra/index.js';
import { googleModule } from './google/index.js';
import { kubernetesModule } from './kubernetes/index.js';
import { manualModule } from './manual/index.js';
import { oktaModule } from './okta/index.js';
import { scimModule } from './scim/index.js';

/** Provider type → module. A type listed in the capabilities but absent here is not built yet. */
export const providerModules: Record<string, ProviderModule> = {
  okta: oktaModule,
  entra: entraModule,
  google: googleModule,
  kubernetes: kubernetesModule,
  scim: scimModule,
  manual: manualModule,
};

/**
 * Creates a provider from its Config connection. Throws a UserError for a type that is
 * unknown or not available in this build (the caller adds the provider name and position).
 */
export function createProvider(name: string, connection: Record<string, unknown>, ctx: ProviderContext): Provider {
  const type = connection['type'];
  const module = typeof type === 'string' && Object.prototype.hasOwnProperty.call(providerModules, type) ? providerModules[type] : undefined;
  if (!module) {
    const available = Object.keys(providerModules).sort().join(', ');
    if (typeof type === 'string' && isProviderType(type)) {
      throw new UserError(`provider type "${type}" is not available yet in this version of Lockstep (available: ${available})`);
    }
    throw new UserError(`unknown provider type "${String(type)}" (available: ${available})`);
  }
  return module.create(connection, { ...ctx, name });
}
