import { describeProviderContract } from './contract.js';
import { googleFixture } from './google-fixture.js';

describeProviderContract('google emulator', googleFixture);
