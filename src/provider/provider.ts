import type { ObservedProvider, PlanChange, ProviderType } from '../types/index.js';
import type { ProviderCapabilities } from '../types/capabilities.js';
import type { ConnectionProblem } from '../policy/catalogue.js';
import type { SecretResolver } from '../policy/secrets.js';
import type { Logger } from '../logger.js';
import type { HttpTap } from './http-tap.js';

export interface ProviderContext {
  /** The provider's name in Config (e.g. `okta-main`). */
  readonly name: string;
  /** Absolute path of the policy folder (for files a provider reads, such as a manual inventory). */
  readonly policyDir: string;
  /** What the provider keeps between runs (delta links), in the run's state store. */
  readonly state: ProviderState;
  readonly secrets: SecretResolver;
  readonly log: Logger;
  /**
   * Names of this provider's groups the policy manages (granted by a role). Providers
   * whose "suspend" means removing grants (Kubernetes) touch only these; empty when
   * the run has no policy (the sandbox observing).
   */
  readonly managedGroups: ReadonlySet<string>;
  /**
   * Where the provider's transport hands its HTTP exchanges with the service: a
   * recording (`--record`) or a replay of one. Absent: requests go straight out.
   */
  readonly tap?: HttpTap | undefined;
  /**
   * What the run may do: `read` when it only observes (plan, observe, report), so that a
   * provider asking for OAuth scopes asks for read-only ones and works with a credential
   * that can change nothing; `write` (the default) when it applies.
   */
  readonly access?: ProviderAccess | undefined;
}

export type ProviderAccess = 'read' | 'write';

/**
 * What one provider keeps between runs, under its own name in the run's state store (which
 * implements this). Manual tasks are not here: they go to the run's task desk.
 */
export interface ProviderState {
  /** Small documents replaced whole, such as Entra's delta links. No secrets go here. */
  readonly documents: {
    get(key: string): Promise<string | undefined>;
    put(key: string, value: string): Promise<void>;
  };
}

export interface ObserveOptions {
  /**
   * Read everything afresh, ignoring any incremental (delta) state kept from earlier
   * observations; providers without incremental reads always do.
   */
  readonly resync?: boolean;
}

/**
 * What applying one change did. `already` means the target was already in the desired
 * state (counts as success); `pending` means work was handed to a person (a manual task,
 * by the task desk) and is not done until confirmed. Failures are thrown as ProviderError.
 */
export interface ApplyOutcome {
  result: 'ok' | 'already' | 'pending';
  before?: unknown;
  after?: unknown;
  detail?: string;
}

/**
 * A connected identity system. Providers are small and alike: observe everything in
 * bulk, apply one change at a time, declare what they can do. Anything a provider
 * cannot do is planned as a `task` for a person instead, which the apply hands to its
 * task desk: a provider never receives a `task` change.
 */
export interface Provider {
  readonly name: string;
  readonly type: ProviderType;
  /** What it does through its API: what its module answers for its connection. */
  readonly capabilities: ProviderCapabilities;
  /**
   * The provider's whole state, read with bulk list endpoints at the largest page size,
   * or brought up to date from the previous observation where the API offers delta reads.
   */
  observe(options?: ObserveOptions): Promise<ObservedProvider>;
  /**
   * A fresh read of just these accounts, for re-checking a few changes before applying
   * them (SPEC §9) without reading the whole directory: each account that still exists,
   * with the fields `observe` gives it, and every group any of them belongs to, whose
   * `members` name only the accounts asked about. Optional: a provider without it is
   * observed whole.
   */
  observeAccounts?(ids: readonly string[]): Promise<ObservedProvider>;
  /**
   * Apply one change. Must be idempotent: applying a change whose effect already holds
   * returns `already`, never a duplicate effect.
   */
  apply(change: PlanChange): Promise<ApplyOutcome>;
  /** Release connections, timers and files. */
  close(): Promise<void>;
}

/**
 * Everything Lockstep knows about one provider type, exported by providers/<type>/ and
 * listed by providers/registry.ts: `C` is the type's Config connection (the type generated
 * from `configSchema`). Adding a provider type is writing one of these.
 */
export interface ProviderModule<C extends { readonly type: ProviderType }> {
  readonly type: C['type'];
  /** JSON Schema of the Config connection (providers/<type>/config.schema.json); policy loading checks every connection against it. */
  readonly configSchema: object;
  /** What a provider with this connection does through its API; planning makes the rest tasks for its owner. */
  capabilities(connection: C): ProviderCapabilities;
  /**
   * The rules `configSchema` cannot state, checked when policy is loaded: each problem with
   * the path below the connection it is reported at. `name` is the provider's name in Config.
   */
  checkConnection?(name: string, connection: C): ConnectionProblem[];
  /** Creates a provider from its (schema-valid) connection; secrets are resolved through ctx.secrets. */
  create(connection: C, ctx: ProviderContext): Provider;
}
