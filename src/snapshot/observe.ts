import { ProviderError } from '../errors.js';
import type { Policy } from '../policy/model.js';
import type { ObserveOptions, Provider } from '../provider/provider.js';
import type { Logger } from '../logger.js';
import { SNAPSHOT_FORMAT_VERSION, type Snapshot } from '../types/index.js';
import { inCanonicalOrder } from './order.js';
import { plural } from '../wording/plural.js';

/**
 * Observes every provider in parallel (each with its own bulk reads) and assembles the
 * snapshot, each provider's accounts and group members in canonical (id) order. A
 * provider that fails to observe fails the whole observation: planning on a partial view
 * would read missing accounts as removed.
 */
export async function observeProviders(
  providers: ReadonlyMap<string, Provider>,
  log: Logger,
  now: () => Date = () => new Date(),
  options: ObserveOptions = {},
): Promise<Snapshot> {
  const observedAt = now().toISOString();
  const names = [...providers.keys()].sort();
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const started = Date.now();
      const observed = await providers.get(name)!.observe(options);
      log.info(`observed ${name}: ${plural(observed.accounts.length, 'account')}, ${plural(observed.groups.length, 'group')} (${Date.now() - started} ms)`);
      return inCanonicalOrder(observed);
    }),
  );
  const snapshot: Snapshot = { formatVersion: SNAPSHOT_FORMAT_VERSION, observedAt, providers: {} };
  const failures: string[] = [];
  results.forEach((r, i) => {
    const name = names[i]!;
    if (r.status === 'fulfilled') snapshot.providers[name] = { ...r.value, observedAt: r.value.observedAt ?? observedAt };
    else failures.push(`${name}: ${(r.reason as Error).message}`);
  });
  if (failures.length)
    throw new ProviderError(failures.length === 1 ? names[results.findIndex((r) => r.status === 'rejected')]! : 'several', `observation failed: ${failures.join('; ')}`);
  return snapshot;
}

/** The providers a policy names, in name order. */
export function providerNames(policy: Policy): string[] {
  return Object.keys(policy.config.doc.spec.providers).sort();
}
