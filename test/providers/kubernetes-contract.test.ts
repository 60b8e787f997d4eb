import { contractLog } from '../contracts/record.js';
import { describeProviderContract } from './contract.js';
import { kubernetesFixture } from './kubernetes-fixture.js';

const exchanges = contractLog('kubernetes');

describeProviderContract('kubernetes emulator (official client)', (options) => kubernetesFixture(options, { exchanges }));
