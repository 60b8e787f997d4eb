import type { ExchangeLog } from '../../src/emulator/exchanges.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilitiesOf } from '../../providers/registry.js';
import type { Provider } from '../../src/provider/provider.js';
import type { Logger } from '../../src/logger.js';
import type { EntraConnection, ObservedProvider } from '../../src/types/index.js';
import { entraModule } from '../../providers/entra/index.js';
import { afterEach } from 'vitest';
import { startEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from '../../providers/entra/emulator/index.js';
import type { ContractFixture, ContractSetupOptions } from './contract.js';
import { providerContext } from './scim-fixture.js';

/** Where the Entra provider's requests go (alone or inside a $batch), as fault-rule matches. */
export const ENTRA_ENDPOINTS: ContractFixture['endpoints'] = {
  readAccount: { method: 'GET', path: '/users/{id}' },
  writeAccount: { method: 'PATCH', path: '/users/{id}' },
  // Adding (POST …/members/$ref) and removing (DELETE …/members/{memberId}/$ref) a member.
  writeGroup: { path: /^\/groups\/\{id\}\/members(\/\{memberId\})?\/\$ref$/ },
  deleteAccount: { method: 'DELETE', path: '/users/{id}' },
};

export interface EntraHarness {
  provider: Provider;
  /** Folder with the CA file, the credential files and the state folder. */
  dir: string;
  stateDir: string;
  logs: string[];
  close(): Promise<void>;
}

/**
 * An Entra provider built through its module, as Config would, against a running emulator:
 * the client secret (or certificate) and the emulator's CA are files in a fresh folder.
 */
export function entraProvider(
  emu: EntraEmulator,
  options: { pageSize?: number; timeoutMs?: number; certificate?: boolean; caFile?: boolean; extra?: Partial<EntraConnection> } = {},
): EntraHarness {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-entra-'));
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'ca.pem'), emu.caPem);
  const logs: string[] = [];
  const log: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: (m) => logs.push(m) };
  const env: Record<string, string> = { ENTRA_SECRET: emu.clientSecret };
  const credential: Partial<Pick<EntraConnection, 'certificate' | 'clientSecret'>> = {};
  if (options.certificate) {
    const pem = emu.clientCertificatePem();
    if (!pem) throw new Error('start the emulator with clientCertificate: true');
    writeFileSync(join(dir, 'app.pem'), pem, { mode: 0o600 });
    credential.certificate = `\${file:${join(dir, 'app.pem')}}`;
  } else {
    credential.clientSecret = '${env:ENTRA_SECRET}';
  }
  const connection: EntraConnection = {
    type: 'entra',
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    ...credential,
    graphUrl: emu.url,
    authorityHost: emu.authorityHost,
    ...(options.caFile === false ? {} : { caFile: 'ca.pem' }),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...options.extra,
  };
  const ctx = { ...providerContext('entra-main', env, { policyDir: dir, stateDir }), log };
  const provider = entraModule.create(connection, ctx);
  return {
    provider,
    dir,
    stateDir,
    logs,
    close: async () => {
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Emulators and providers a describe block starts, closed after each of its tests (providers
 * first); `track` adds anything else with a close.
 */
/** Emulators and providers closed after each test; `exchanges` keeps the emulators' exchanges for the contract checks. */
export function entraTestbed(exchanges?: ExchangeLog) {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });
  return {
    start: async (seed: ObservedProvider, options: EntraEmulatorOptions = {}): Promise<EntraEmulator> => {
      const emu = await startEntraEmulator({ seed, exchanges, ...options });
      open.push(emu);
      return emu;
    },
    provider: (emu: EntraEmulator, options: Parameters<typeof entraProvider>[1] = {}): EntraHarness => {
      const h = entraProvider(emu, options);
      open.unshift(h);
      return h;
    },
    track: (x: { close(): Promise<void> }): void => void open.unshift(x),
  };
}

export function entraFixture(emu: EntraEmulator, options: ContractSetupOptions): ContractFixture {
  const h = entraProvider(emu, { pageSize: options.pageSize, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  return {
    provider: h.provider,
    controls: { faults: emu.faults, counters: emu.counters, inspect: () => emu.observed(), credentials: (id) => emu.credentials(id) },
    seed: options.seed,
    listEndpoints: [
      { key: 'GET /users', lists: 'accounts' },
      { key: 'GET /groups', lists: 'groups' },
    ],
    endpoints: ENTRA_ENDPOINTS,
    secret: emu.clientSecret,
    automated: capabilitiesOf({ type: 'entra' }).automated,
    close: async () => {
      await h.close();
      await emu.close();
    },
  };
}

/** A directory of `users` accounts (u000…, every 5th disabled) and `groups` groups of varied membership. */
export function directory(users: number, groups: number): ObservedProvider {
  const id = (i: number) => `u${String(i).padStart(3, '0')}`;
  return {
    type: 'entra',
    accounts: Array.from({ length: users }, (_, i) => ({
      id: id(i),
      login: `${id(i)}@acme.com`,
      status: i % 5 === 4 ? ('suspended' as const) : ('active' as const),
      emails: [`${id(i)}@acme.com`],
      externalId: `E${i}`,
    })),
    groups: Array.from({ length: groups }, (_, g) => ({
      id: `g${g}`,
      name: `Group ${g}`,
      members: Array.from({ length: users }, (_, i) => i)
        .filter((i) => (i + g) % (g + 2) === 0)
        .map(id),
    })),
  };
}

export function normalised(o: ObservedProvider) {
  return {
    accounts: [...o.accounts]
      .map((a) => ({ id: a.id, login: a.login, status: a.status, emails: a.emails ?? [], externalId: a.externalId ?? null }))
      .sort((x, y) => x.id.localeCompare(y.id)),
    groups: [...o.groups].map((g) => ({ id: g.id, name: g.name, members: [...g.members].sort() })).sort((x, y) => x.id.localeCompare(y.id)),
  };
}
