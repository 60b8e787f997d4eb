import { contractLog } from '../contracts/record.js';
import { describeProviderContract } from './contract.js';
import { googleFixture } from './google-fixture.js';

const exchanges = contractLog('google');

describeProviderContract('google emulator', (options) => googleFixture(options, { exchanges }));
