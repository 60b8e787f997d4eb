import { startOktaEmulator } from '../../providers/okta/emulator/index.js';
import { contractLog } from '../contracts/record.js';
import { describeProviderContract } from './contract.js';
import { oktaFixture } from './okta-fixture.js';

const TOKEN = '00okta-contract-secret-token-1234';
const exchanges = contractLog('okta');

describeProviderContract('okta emulator through the Okta SDK', async (options) =>
  oktaFixture(await startOktaEmulator({ seed: options.seed, token: TOKEN, exchanges }), TOKEN, options),
);
