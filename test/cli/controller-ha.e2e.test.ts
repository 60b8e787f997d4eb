import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { eventually, startController, type RunningController } from './controller-process.js';
import { controllerWorld, type ControllerWorld } from './controller-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = { scim: contractLog('scim'), okta: contractLog('okta'), google: contractLog('google') };
const leaseExchanges = contractLog('kubernetes');

/**
 * Two controllers on one Lease (the Kubernetes emulator's coordination.k8s.io/v1 API,
 * through the official client): one leads and applies, the other stands by (not ready);
 * when the leader is killed, the standby takes over within the lease duration and
 * corrects drift.
 */
describe('two controllers, one leader', () => {
  let world: ControllerWorld;
  let cluster: KubernetesEmulator;
  const controllers: RunningController[] = [];
  const ready = async (c: RunningController) => (await fetch(`${c.url}/readyz`).catch(() => null))?.status === 200;

  beforeAll(async () => {
    world = await controllerWorld(exchanges);
    const kubeconfig = join(world.cwd, 'lease.kubeconfig');
    cluster = await startKubernetesEmulator({ kubeconfigPath: kubeconfig, context: 'ops', exchanges: leaseExchanges });
    for (const name of ['a', 'b']) {
      controllers.push(
        await startController(
          [
            '--repo',
            `file://${world.remote}`,
            '--branch',
            'main',
            '--policies',
            'policies',
            '--interval',
            '1s',
            '--listen',
            '127.0.0.1:0',
            '--state-dir',
            join(world.cwd, `state-${name}`),
            '--leader-election',
            '--lease-namespace',
            'lockstep',
            '--lease-name',
            'controller',
            '--lease-duration',
            '2',
            '--kubeconfig',
            kubeconfig,
            '--context',
            'ops',
          ],
          { cwd: world.cwd, env: { APP_TOKEN: world.secrets[0]!, OKTA_TOKEN: world.secrets[1]! } },
        ),
      );
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of controllers) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await cluster?.close();
    await world?.close();
  });

  it('one applies; after it is killed the other takes over within the lease duration and corrects drift', async () => {
    await eventually(async () => (await ready(controllers[0]!)) !== (await ready(controllers[1]!)), 30_000, 'exactly one ready replica');
    const leader = (await ready(controllers[0]!)) ? 0 : 1;
    const standby = 1 - leader;
    // Never both ready while the leader lives.
    for (let i = 0; i < 10; i++) {
      expect([await ready(controllers[0]!), await ready(controllers[1]!)].filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    controllers[leader]!.child.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(() => ready(controllers[standby]!), 10_000, 'the standby becomes ready');
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(4_000);
    // Drift behind the controllers' back: the new leader removes it on its next cycle.
    const eng = world.scim.observed().accounts.find((a) => a.login === 'eng@acme.com')!;
    world.scim.store.patch('Groups', 'g-sales', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: eng.id }] }],
    });
    const sales = () => world.scim.observed().groups.find((g) => g.name === 'Sales')!.members;
    expect(sales()).toContain(eng.id);
    await eventually(() => !sales().includes(eng.id), 20_000, 'drift corrected by the new leader');
  });
});
