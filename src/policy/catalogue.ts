import type { DocPath } from './model.js';

/**
 * What policy loading is told about provider types, since only the providers know it: the
 * registry (providers/registry.ts) implements this, and whoever loads policy passes it in.
 */
export interface ProviderCatalogue {
  /** Whether a provider type exists in this build. */
  isProviderType(type: string): boolean;
  /** JSON Schema of a type's Config connection; undefined for a type not in this build. */
  configSchema(type: string): object | undefined;
  /**
   * The rules a connection's schema cannot state (which keys are endpoints credentials are
   * sent to, which credentials go together), for a connection that passed its schema.
   */
  checkConnection(name: string, connection: { readonly type: string }): ConnectionProblem[];
}

/** One problem with a Config connection, reported at `path` below the connection. */
export interface ConnectionProblem {
  readonly message: string;
  readonly path: DocPath;
}
