import { UserError, type Problem, type SourceLocation } from '../errors.js';
import type { Policy } from '../policy/model.js';
import { SecretResolver } from '../policy/secrets.js';
import { createProvider } from '../../providers/registry.js';
import { managedGroups } from '../policy/managed-groups.js';
import type { StateStore } from '../state/store.js';
import type { Provider, ProviderAccess, ProviderState } from '../provider/provider.js';
import type { HttpTap } from '../provider/http-tap.js';
import type { Logger } from '../logger.js';

export interface ConnectOptions {
  /** Where providers keep delta links. */
  store: StateStore;
  log: Logger;
  /** Only these providers (default: every provider in Config). */
  only?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** A recording of the run (`--record`), or a replay of one. */
  wire?: ProviderWiring | undefined;
  /** `read` for runs that only observe (read-only OAuth scopes); `write` for applying. */
  access: ProviderAccess;
}

/**
 * How a run's providers are wired to a recording (`--record`) or to a replay of one
 * (`lockstep replay`): the tap each provider's HTTP goes through, the state it starts
 * from, and a wrapper round the provider that keeps (or checks) what each call answered.
 */
export interface ProviderWiring {
  wire(
    name: string,
    connection: Readonly<Record<string, unknown>>,
    parts: { state: ProviderState; managedGroups: ReadonlySet<string>; access: ProviderAccess },
  ): { tap: HttpTap | undefined; state: ProviderState; wrap(provider: Provider): Provider };
}

const NO_GROUPS: ReadonlySet<string> = new Set();

/** The groups each provider's roles grant, by provider name. */
export function managedGroupNames(policy: Policy): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { provider, group } of managedGroups(policy).values()) {
    let names = out.get(provider);
    if (!names) out.set(provider, (names = new Set()));
    names.add(group);
  }
  return out;
}

/** Creates the providers a run needs. Secrets are resolved here, and only here. */
export function connectProviders(policy: Policy, opts: ConnectOptions): Map<string, Provider> {
  const all = policy.config.doc.spec.providers;
  const names = opts.only ?? Object.keys(all);
  const unknown = names.filter((n) => !all[n]);
  if (unknown.length) throw new UserError(unknown.map((n) => ({ message: `provider "${n}" is not in Config` })));
  return createProviders(
    Object.fromEntries(names.map((n) => [n, { ...all[n]! }])),
    { policyDir: policy.dir, store: opts.store, log: opts.log, env: opts.env, managedGroups: managedGroupNames(policy), wire: opts.wire, access: opts.access },
    (name) => policy.config.locate(['spec', 'providers', name]),
  );
}

/**
 * Creates providers from Config connections (or the sandbox's). Every provider that
 * cannot be created is reported, at its Config position when known.
 */
export function createProviders(
  connections: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  base: {
    policyDir: string;
    store: Pick<StateStore, 'forProvider'>;
    log: Logger;
    env?: NodeJS.ProcessEnv | undefined;
    wire?: ProviderWiring | undefined;
    access: ProviderAccess;
    /** Managed group names by provider name. */
    managedGroups?: ReadonlyMap<string, ReadonlySet<string>>;
  },
  locate?: (name: string) => SourceLocation,
): Map<string, Provider> {
  const secrets = new SecretResolver(base.env ?? process.env, base.policyDir);
  const providers = new Map<string, Provider>();
  const problems: Problem[] = [];
  for (const name of Object.keys(connections).sort()) {
    try {
      const managedGroups = base.managedGroups?.get(name) ?? NO_GROUPS;
      const connection = connections[name]!;
      const stored = base.store.forProvider(name);
      const wired = base.wire?.wire(name, connection, { state: stored, managedGroups, access: base.access });
      const ctx = { name, policyDir: base.policyDir, state: wired?.state ?? stored, secrets, log: base.log, managedGroups, tap: wired?.tap, access: base.access };
      const provider = createProvider(name, connection, ctx);
      providers.set(name, wired ? wired.wrap(provider) : provider);
    } catch (e) {
      problems.push({ message: `provider ${name}: ${(e as Error).message}`, at: locate?.(name) });
    }
  }
  if (problems.length) throw new UserError(problems);
  return providers;
}

export async function closeProviders(providers: ReadonlyMap<string, Provider>): Promise<void> {
  await Promise.allSettled([...providers.values()].map((p) => p.close()));
}
