import { startEntraEmulator } from '../../providers/entra/emulator/index.js';
import { describeProviderContract } from './contract.js';
import { entraFixture } from './entra-fixture.js';

describeProviderContract('entra emulator through @microsoft/microsoft-graph-client and @azure/identity', async (options) =>
  entraFixture(await startEntraEmulator({ seed: options.seed }), options),
);
