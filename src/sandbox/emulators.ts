import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ObservedProvider, ProviderType } from '../types/index.js';
import { startEntraEmulator } from '../../providers/entra/emulator/index.js';
import { startGoogleEmulator } from '../../providers/google/emulator/index.js';
import { startKubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { startOktaEmulator } from '../../providers/okta/emulator/index.js';
import { startScimEmulator } from '../../providers/scim/emulator/index.js';
import type { RequestCounters } from '../emulator/counters.js';
import type { FaultController } from '../emulator/faults.js';

/** One running stand-in for a provider, and the Config connection that reaches it. */
export interface RunningEmulator {
  readonly name: string;
  readonly type: ProviderType;
  /** Connection for Config `spec.providers[name]`; secrets only by `${file:}` reference. */
  readonly connection: Record<string, unknown>;
  readonly url: string | null;
  readonly counters: RequestCounters | null;
  readonly faults: FaultController | null;
  /** The emulated per-bucket rate limit, where the service has one (Okta); adjustable at runtime. */
  readonly rateLimit?: { settings: { limit: number; windowMs: number } };
  /** The emulator's state in observed form (what a fresh observation would return). */
  observed(): ObservedProvider;
  close(): Promise<void>;
}

export interface EmulatorStartOptions {
  name: string;
  seed: ObservedProvider;
  /** Folder for the sandbox's own files: token files, manual inventories. */
  dir: string;
  port: number;
  /** App owner for manual providers. */
  owner: string;
}

type Starter = (opts: EmulatorStartOptions) => Promise<RunningEmulator>;

/** A throwaway credential for a local emulator, written to a file only the user can read. */
async function tokenFile(dir: string, name: string, token = randomBytes(24).toString('hex'), ext = 'token'): Promise<{ token: string; ref: string }> {
  const path = join(dir, `${name}.${ext}`);
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return { token, ref: `\${file:${path}}` };
}

/** The parts of a running emulator the sandbox hands on unchanged. */
function running(
  name: string,
  type: ProviderType,
  emu: { url: string; counters: RequestCounters; faults: FaultController; observed(): ObservedProvider; close(): Promise<void> },
  connection: Record<string, unknown>,
): RunningEmulator {
  return { name, type, connection, url: emu.url, counters: emu.counters, faults: emu.faults, observed: () => emu.observed(), close: () => emu.close() };
}

const startScim: Starter = async ({ name, seed, dir, port }) => {
  const { token, ref } = await tokenFile(dir, name);
  const emu = await startScimEmulator({ seed, token, etags: true, port, basePath: '/scim/v2' });
  return running(name, 'scim', emu, { type: 'scim', baseUrl: emu.url, token: ref });
};

/** An Okta org with an SSWS API token. */
const startOkta: Starter = async ({ name, seed, dir, port }) => {
  const { token, ref } = await tokenFile(dir, name);
  const emu = await startOktaEmulator({ seed, token, port });
  return { ...running(name, 'okta', emu, { type: 'okta', orgUrl: emu.url, token: ref }), rateLimit: emu.limits };
};

/**
 * A Google Workspace customer with a service account delegated domain-wide; its key file
 * (made by the emulator for this run) is written beside the other sandbox credentials.
 */
const startGoogle: Starter = async ({ name, seed, dir, port }) => {
  const emu = await startGoogleEmulator({ seed, port });
  const key = emu.serviceAccountKey();
  if (key === null) throw new Error('the Google emulator made no service account key');
  const { ref } = await tokenFile(dir, name, key, 'json');
  return running(name, 'google', emu, {
    type: 'google',
    customer: 'my_customer',
    subject: emu.admin,
    credentials: ref,
    rootUrl: emu.url,
    transferPollMs: 50,
  });
};

/** A manual app has no API: its "emulator" is the inventory file its owner keeps. */
const startManual: Starter = async ({ name, seed, dir, owner }) => {
  const path = join(dir, `${name}-inventory.yaml`);
  const loginOf = new Map(seed.accounts.map((a) => [a.id, a.login]));
  const inventory = {
    accounts: seed.accounts.map((a) => ({ id: a.id, login: a.login, status: a.status, ...(a.lastLoginAt ? { lastLoginAt: a.lastLoginAt } : {}) })),
    groups: seed.groups.map((g) => ({ name: g.name, members: g.members.map((m) => loginOf.get(m) ?? m) })),
  };
  await writeFile(path, stringify(inventory));
  return {
    name,
    type: 'manual',
    connection: { type: 'manual', owner, inventory: path },
    url: null,
    counters: null,
    faults: null,
    observed: () => seed,
    close: async () => {},
  };
};

/**
 * A Microsoft Entra tenant and Graph behind TLS with a certificate made for this run:
 * its CA goes to a file the connection trusts (`caFile`), next to the client secret.
 */
const startEntra: Starter = async ({ name, seed, dir, port }) => {
  const emu = await startEntraEmulator({ seed, port });
  const caFile = join(dir, `${name}-ca.pem`);
  await writeFile(caFile, emu.caPem, { mode: 0o600 });
  const { ref } = await tokenFile(dir, name, emu.clientSecret, 'secret');
  return running(name, 'entra', emu, {
    type: 'entra',
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: ref,
    graphUrl: emu.url,
    authorityHost: emu.authorityHost,
    caFile,
  });
};

/** A Kubernetes API server (TLS, its own CA) and a kubeconfig file with its CA and a bearer token. */
const startKubernetes: Starter = async ({ name, seed, dir, port }) => {
  const kubeconfigPath = join(dir, `${name}.kubeconfig`);
  const emu = await startKubernetesEmulator({ seed, port, kubeconfigPath, context: name });
  return running(name, 'kubernetes', emu, { type: 'kubernetes', kubeconfig: kubeconfigPath, context: name });
};

/** Provider type → emulator. Types without one yet are skipped by the sandbox with a warning. */
export const EMULATORS: Partial<Record<ProviderType, Starter>> = {
  okta: startOkta,
  entra: startEntra,
  google: startGoogle,
  kubernetes: startKubernetes,
  scim: startScim,
  manual: startManual,
};
