import { startEntraEmulator } from '../../providers/entra/emulator/index.js';
import { contractLog } from '../contracts/record.js';
import { describeProviderContract } from './contract.js';
import { entraFixture } from './entra-fixture.js';

const exchanges = contractLog('graph');

describeProviderContract('entra emulator through @microsoft/microsoft-graph-client and @azure/identity', async (options) =>
  entraFixture(await startEntraEmulator({ seed: options.seed, exchanges }), options),
);
