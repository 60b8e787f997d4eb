import { describeProviderContract } from './contract.js';
import { kubernetesFixture } from './kubernetes-fixture.js';

describeProviderContract('kubernetes emulator (official client)', kubernetesFixture);
