import { startScimEmulator } from '../../providers/scim/emulator/index.js';
import { contractLog } from '../contracts/record.js';
import { describeProviderContract } from './contract.js';
import { scimFixture } from './scim-fixture.js';
import { startScimmyServer } from './scimmy-server.js';

const TOKEN = 'scim-contract-secret-token-1234';
// The emulator's exchanges; the third-party server is checked by the contract's outcomes only.
const exchanges = contractLog('scim');

describeProviderContract('scim emulator', async (options) => scimFixture(await startScimEmulator({ seed: options.seed, token: TOKEN, exchanges }), TOKEN, options));

describeProviderContract('scim emulator with ETags', async (options) =>
  scimFixture(await startScimEmulator({ seed: options.seed, token: TOKEN, etags: true, exchanges }), TOKEN, options),
);

describeProviderContract('scimmy server', async (options) => scimFixture(await startScimmyServer({ seed: options.seed, token: TOKEN }), TOKEN, options));
