import { UserError } from '../errors.js';
import type { Policy } from '../policy/model.js';
import { SecretResolver } from '../policy/secrets.js';
import { createProvider } from '../../providers/registry.js';
import type { Logger, Provider } from './provider.js';

export interface ConnectOptions {
  stateDir: string;
  log: Logger;
  /** Only these providers (default: every provider in Config). */
  only?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Change ids confirmed done by Confirmation documents, with who, when and where. */
export function confirmationsOf(policy: Policy): Map<string, { by: string; at: string; source: string }> {
  const out = new Map<string, { by: string; at: string; source: string }>();
  for (const c of policy.confirmations) {
    const at = c.locate(['spec', 'changes']);
    for (const id of c.doc.spec.changes) {
      out.set(id, { by: c.doc.spec.confirmedBy, at: c.doc.spec.confirmedAt, source: `${at.file}:${at.line}` });
    }
  }
  return out;
}

/** Creates the providers a run needs. Secrets are resolved here, and only here. */
export function connectProviders(policy: Policy, opts: ConnectOptions): Map<string, Provider> {
  const secrets = new SecretResolver(opts.env ?? process.env, policy.dir);
  const confirmations = confirmationsOf(policy);
  const providers = new Map<string, Provider>();
  const names = opts.only ?? Object.keys(policy.config.doc.spec.providers);
  const problems: string[] = [];
  for (const name of [...names].sort()) {
    const connection = policy.config.doc.spec.providers[name];
    if (!connection) {
      problems.push(`provider "${name}" is not in Config`);
      continue;
    }
    try {
      providers.set(
        name,
        createProvider(name, connection as unknown as Record<string, unknown>, {
          name,
          policyDir: policy.dir,
          stateDir: opts.stateDir,
          secrets,
          log: opts.log,
          confirmations,
        }),
      );
    } catch (e) {
      const at = policy.config.locate(['spec', 'providers', name]);
      problems.push(`${at.file}:${at.line}:${at.col}: provider ${name}: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new UserError(problems.map((message) => ({ message })));
  return providers;
}

export async function closeProviders(providers: ReadonlyMap<string, Provider>): Promise<void> {
  await Promise.allSettled([...providers.values()].map((p) => p.close()));
}
