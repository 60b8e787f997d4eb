import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { capabilitiesOf } from '../../providers/registry.js';
import type { Provider } from '../../src/provider/provider.js';
import type { GoogleConnection, ObservedProvider } from '../../src/types/index.js';
import { googleModule } from '../../providers/google/index.js';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../providers/google/emulator/index.js';
import { PROVIDER_SCOPES } from '../../providers/google/scopes.js';
import type { ContractFixture, ContractSetupOptions } from './contract.js';
import { providerContext } from './scim-fixture.js';

/** Where the Google provider's requests go, as fault-rule matches. */
export const GOOGLE_ENDPOINTS: ContractFixture['endpoints'] = {
  readAccount: { method: 'GET', path: '/admin/directory/v1/users/{userKey}' },
  writeAccount: { method: 'PUT', path: '/admin/directory/v1/users/{userKey}' },
  // members.insert and members.delete (the provider reads no membership before changing it).
  writeGroup: { path: /^\/admin\/directory\/v1\/groups\/\{groupKey\}\/members(\/\{memberKey\})?$/ },
  deleteAccount: { method: 'DELETE', path: '/admin/directory/v1/users/{userKey}' },
};

export const ADMIN = 'admin@acme.com';
export const CLIENT_EMAIL = 'lockstep@acme-iam.iam.gserviceaccount.com';

export interface ServiceAccount {
  clientEmail: string;
  publicKey: KeyObject;
  privateKeyPem: string;
}

/** A service account key generated at test time; never a committed key. */
export function aServiceAccount(clientEmail = CLIENT_EMAIL): ServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { clientEmail, publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

let shared: ServiceAccount | undefined;
export const sharedServiceAccount = (): ServiceAccount => (shared ??= aServiceAccount());

/** The key file as Google issues it, with token_uri pointing at the emulator. */
export function keyFile(account: ServiceAccount, tokenUri: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'acme-iam',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: account.privateKeyPem,
    client_email: account.clientEmail,
    client_id: '109876543210987654321',
    token_uri: tokenUri,
  });
}

/** A line from the middle of the private key: must never show in any output. */
export const keyLine = (account: ServiceAccount): string => account.privateKeyPem.split('\n')[5]!;

/** Google group names are their email addresses: `Engineering` becomes `engineering@acme.com`. */
export function googleSeed(seed: ObservedProvider): ObservedProvider {
  return {
    ...seed,
    type: 'google',
    groups: seed.groups.map((g) => ({ ...g, name: g.name.includes('@') ? g.name : `${g.name.toLowerCase().replace(/\s+/g, '-')}@acme.com` })),
  };
}

export interface GoogleWorld {
  emulator: GoogleEmulator;
  provider: Provider;
  account: ServiceAccount;
  connection: GoogleConnection;
  keyJson: string;
  seed: ObservedProvider;
  close(): Promise<void>;
}

/**
 * An emulator and a provider built through the module, as Config would. Suspended seed
 * accounts are leavers whose data was already handed over (a completed transfer to the
 * first active account), so the contract may delete them.
 */
export async function aGoogleWorld(
  options: { seed: ObservedProvider; pageSize?: number; timeoutMs?: number },
  emulatorOptions: Partial<GoogleEmulatorOptions> = {},
  connectionExtra: Partial<GoogleConnection> = {},
): Promise<GoogleWorld> {
  const seed = googleSeed(options.seed);
  const account = emulatorOptions.serviceAccounts ? aServiceAccount() : sharedServiceAccount();
  const heir = seed.accounts.find((a) => a.status === 'active');
  const transfers = heir ? seed.accounts.filter((a) => a.status === 'suspended').map((a) => ({ from: a.id, to: heir.id })) : [];
  const emulator = await startGoogleEmulator({
    seed,
    admin: ADMIN,
    serviceAccounts: [{ clientEmail: account.clientEmail, publicKey: account.publicKey, scopes: PROVIDER_SCOPES }],
    transfers,
    transferPolls: 2,
    ...emulatorOptions,
  });
  const keyJson = keyFile(account, emulator.tokenUrl);
  const connection: GoogleConnection = {
    type: 'google',
    customer: 'my_customer',
    subject: ADMIN,
    credentials: '${env:GOOGLE_KEY}',
    rootUrl: emulator.url,
    transferPollMs: 5,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...connectionExtra,
  };
  const provider = googleModule.create(connection, providerContext('gws', { GOOGLE_KEY: keyJson }));
  return {
    emulator,
    provider,
    account,
    connection,
    keyJson,
    seed,
    close: async () => {
      await provider.close();
      await emulator.close();
    },
  };
}

export async function googleFixture(options: ContractSetupOptions, emulatorOptions: Partial<GoogleEmulatorOptions> = {}): Promise<ContractFixture> {
  const world = await aGoogleWorld(options, emulatorOptions);
  const { emulator } = world;
  return {
    provider: world.provider,
    controls: {
      faults: emulator.faults,
      counters: emulator.counters,
      inspect: () => emulator.observed(),
      credentials: (id) => emulator.credentials(id),
      transfers: () => emulator.transfers(),
    },
    seed: world.seed,
    listEndpoints: [
      { key: 'GET /admin/directory/v1/users', lists: 'accounts' },
      { key: 'GET /admin/directory/v1/groups', lists: 'groups' },
    ],
    endpoints: GOOGLE_ENDPOINTS,
    secret: keyLine(world.account),
    automated: capabilitiesOf(world.connection).automated,
    close: world.close,
  };
}
