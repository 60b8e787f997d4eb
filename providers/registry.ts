import { UserError } from '../src/errors.js';
import type { ConnectionProblem, ProviderCatalogue } from '../src/policy/catalogue.js';
import { declareCapabilities } from '../src/provider/capabilities.js';
import type { Provider, ProviderContext, ProviderModule } from '../src/provider/provider.js';
import type { ProviderCapabilities } from '../src/types/capabilities.js';
import type { ProviderType } from '../src/types/index.js';
import { entraModule } from './entra/index.js';
import { googleModule } from './google/index.js';
import { kubernetesModule } from './kubernetes/index.js';
import { manualModule } from './manual/index.js';
import { oktaModule } from './okta/index.js';
import { scimModule } from './scim/index.js';

/** A Config connection as the registry receives it: its type, and the keys its type's schema describes. */
type Connection = { readonly type: string };

/** A module as the registry lists it: for any connection of its type. */
interface RegisteredModule {
  readonly type: ProviderType;
  readonly configSchema: object;
  capabilities(connection: Connection): ProviderCapabilities;
  checkConnection(name: string, connection: Connection): ConnectionProblem[];
  create(connection: Connection, ctx: ProviderContext): Provider;
}

function register<C extends { readonly type: ProviderType }>(module: ProviderModule<C>): RegisteredModule {
  // The one narrowing from a Config connection to the module's own connection type. It is
  // sound because a connection reaches a module only by its `type`, and only once it has
  // passed the module's configSchema: loading policy refuses a Config with a connection
  // that does not (every caller of the registry works from loaded policy), and the
  // sandbox's connections are written by the emulators of their type.
  const narrow = (connection: Connection): C => connection as C;
  return {
    type: module.type,
    configSchema: module.configSchema,
    capabilities: (connection) => module.capabilities(narrow(connection)),
    checkConnection: (name, connection) => module.checkConnection?.(name, narrow(connection)) ?? [],
    create: (connection, ctx) => module.create(narrow(connection), ctx),
  };
}

/** Every provider type of this build: the one list a new provider is added to. */
const MODULES: ReadonlyMap<string, RegisteredModule> = new Map(
  [register(oktaModule), register(entraModule), register(googleModule), register(kubernetesModule), register(scimModule), register(manualModule)].map((m) => [m.type, m]),
);

/** What is known of a provider no module describes (planning from a snapshot whose provider Config lacks): nothing is automated. */
const UNKNOWN: ProviderCapabilities = declareCapabilities({ automated: [] });

function moduleOf(type: unknown): RegisteredModule | undefined {
  return typeof type === 'string' ? MODULES.get(type) : undefined;
}

export function isProviderType(type: string): type is ProviderType {
  return MODULES.has(type);
}

/** Capabilities of one configured provider: what its module answers for its connection. */
export function capabilitiesOf(connection: Connection | undefined): ProviderCapabilities {
  const module = moduleOf(connection?.type);
  return module && connection ? module.capabilities(connection) : UNKNOWN;
}

/** What policy loading needs to know of provider types (see ProviderCatalogue). */
export const providerCatalogue: ProviderCatalogue = {
  isProviderType,
  configSchema: (type) => moduleOf(type)?.configSchema,
  checkConnection: (name, connection) => moduleOf(connection.type)?.checkConnection(name, connection) ?? [],
};

/**
 * Creates a provider from its Config connection. Throws a UserError for a type that is
 * not in this build (the caller adds the provider name and position).
 */
export function createProvider(name: string, connection: Readonly<Record<string, unknown>>, ctx: ProviderContext): Provider {
  const type = connection['type'];
  const module = moduleOf(type);
  if (!module) throw new UserError(`unknown provider type "${String(type)}" (available: ${[...MODULES.keys()].sort().join(', ')})`);
  return module.create({ ...connection, type: module.type }, { ...ctx, name });
}
