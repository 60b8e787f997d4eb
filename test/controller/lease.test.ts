import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { V1MicroTime } from '@kubernetes/client-node';
import { UserError } from '../../src/errors.js';
import { LeaseElector, systemClock, type LeaseClock, type LeaseElectorOptions } from '../../src/controller/lease.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../providers/kubernetes/emulator/index.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulator is checked against the Kubernetes definition when the file is done.
const exchanges = contractLog('kubernetes');

const NS = 'lockstep';
const NAME = 'lockstep-controller';
const TOKEN = 'lease-test-bearer-token-9a8b7c6d';
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** Short leases keep the failover tests quick: renew every ~667 ms, step down after ~1333 ms. */
const SECONDS = 2;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface World {
  emulator: KubernetesEmulator;
  dir: string;
  elector(identity: string, more?: Partial<LeaseElectorOptions>): LeaseElector;
}

async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-lease-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const emulator = await startKubernetesEmulator({ token: TOKEN, kubeconfigPath: join(dir, 'kubeconfig'), exchanges });
  closers.push(emulator.close);
  return {
    emulator,
    dir,
    elector(identity, more = {}) {
      const e = new LeaseElector({ kubeconfig: join(dir, 'kubeconfig'), namespace: NS, name: NAME, identity, leaseDurationSeconds: SECONDS, ...more });
      closers.push(() => e.stop());
      return e;
    },
  };
}

/** The system clock whose timers can all be dropped at once: the replica freezes, as a crashed process would. */
function crashableClock(): LeaseClock & { crash(): void } {
  const pending = new Set<unknown>();
  let crashed = false;
  return {
    now: () => systemClock.now(),
    setTimeout(run, ms) {
      if (crashed) return undefined;
      const h = systemClock.setTimeout(() => {
        pending.delete(h);
        if (!crashed) run();
      }, ms);
      pending.add(h);
      return h;
    },
    clearTimeout(h) {
      pending.delete(h);
      systemClock.clearTimeout(h);
    },
    crash() {
      crashed = true;
      for (const h of pending) systemClock.clearTimeout(h);
      pending.clear();
    },
  };
}

/** A TCP relay to the emulator; `cut()` partitions whoever connects through it. */
async function relay(target: string): Promise<{ url: string; cut(): void }> {
  const port = Number(new URL(target).port);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    server.close();
    for (const s of sockets) s.destroy();
  };
  closers.push(async () => cut());
  return { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, cut };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

/** Samples every 50 ms until stopped; records any moment two electors both claim leadership. */
function watchLeaders(electors: LeaseElector[]): { overlaps: number; samples: number; stop(): void } {
  const w = { overlaps: 0, samples: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    w.samples++;
    if (electors.filter((e) => e.isLeader()).length > 1) w.overlaps++;
  }, 50);
  return w;
}

function changes(e: LeaseElector): boolean[] {
  const seen: boolean[] = [];
  e.onChange((l) => seen.push(l));
  return seen;
}

describe('LeaseElector against the Kubernetes emulator (official client, TLS)', () => {
  it('the first elector creates the Lease and leads; MicroTimes carry six fractional digits', async () => {
    const w = await world();
    const a = w.elector('pod-a');
    const seen = changes(a);
    await a.start();
    expect(a.isLeader()).toBe(true);
    expect(seen).toEqual([true]);
    const lease = w.emulator.leases.get(NS, NAME);
    expect(lease.spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: SECONDS, leaseTransitions: 0 });
    expect(lease.spec.acquireTime).toMatch(MICRO_TIME);
    expect(lease.spec.renewTime).toMatch(MICRO_TIME);
    const firstRenew = lease.spec.renewTime!;
    await sleep(1000);
    const renewed = w.emulator.leases.get(NS, NAME).spec;
    expect(renewed.renewTime).toMatch(MICRO_TIME);
    expect(Date.parse(renewed.renewTime!)).toBeGreaterThan(Date.parse(firstRenew));
    expect(renewed.acquireTime).toBe(lease.spec.acquireTime);
  });

  it('a second elector follows while the first renews, and takes over within the lease duration when the first crashes', async () => {
    const w = await world();
    const clock = crashableClock();
    const a = w.elector('pod-a', { clock });
    const b = w.elector('pod-b');
    const seenB = changes(b);
    await a.start();
    await b.start();
    const watch = watchLeaders([a, b]);
    // Well past one lease duration: only the renewals keep pod-a in charge.
    await sleep(SECONDS * 1000 * 1.75);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(seenB).toEqual([]);

    clock.crash();
    const crashedAt = Date.now();
    await waitFor('pod-b to lead', () => b.isLeader(), SECONDS * 1000 * 2);
    const failoverMs = Date.now() - crashedAt;
    watch.stop();
    console.log(`lease failover after a crash: ${failoverMs} ms (lease duration ${SECONDS * 1000} ms)`);
    expect(failoverMs).toBeLessThanOrEqual(SECONDS * 1000 + 250);
    // The frozen pod-a no longer counts itself leader: its renew deadline passed first.
    expect(a.isLeader()).toBe(false);
    expect(watch.overlaps).toBe(0);
    expect(watch.samples).toBeGreaterThan(40);
    expect(seenB).toEqual([true]);
    expect(w.emulator.leases.get(NS, NAME).spec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1 });
  });

  it('a partitioned leader steps down before the standby takes over: never two leaders', async () => {
    const w = await world();
    const link = await relay(w.emulator.url);
    const kubeconfig = join(w.dir, 'kubeconfig-relay');
    writeFileSync(kubeconfig, w.emulator.kubeconfig.replace(w.emulator.url, link.url), { mode: 0o600 });
    const a = w.elector('pod-a', { kubeconfig });
    const b = w.elector('pod-b');
    const seenA = changes(a);
    const seenB = changes(b);
    const order: string[] = [];
    a.onChange((l) => order.push(`a:${l}`));
    b.onChange((l) => order.push(`b:${l}`));
    await a.start();
    await b.start();
    const watch = watchLeaders([a, b]);
    await sleep(500);
    link.cut();
    await waitFor('pod-b to lead', () => b.isLeader(), SECONDS * 1000 * 3);
    watch.stop();
    expect(watch.overlaps).toBe(0);
    expect(seenA).toEqual([true, false]);
    expect(seenB).toEqual([true]);
    expect(order).toEqual(['a:true', 'a:false', 'b:true']);
  });

  it('a graceful stop() releases the Lease: the standby takes over at once', async () => {
    const w = await world();
    const a = w.elector('pod-a');
    const b = w.elector('pod-b');
    const seenA = changes(a);
    await a.start();
    await b.start();
    expect(b.isLeader()).toBe(false);
    const watch = watchLeaders([a, b]);
    const stoppedAt = Date.now();
    await a.stop();
    expect(seenA).toEqual([true, false]);
    expect(a.isLeader()).toBe(false);
    await waitFor('pod-b to lead', () => b.isLeader(), SECONDS * 1000);
    const handoverMs = Date.now() - stoppedAt;
    watch.stop();
    console.log(`lease handover after stop(): ${handoverMs} ms`);
    // One retry period (~667 ms) at most, not the lease duration.
    expect(handoverMs).toBeLessThan(SECONDS * 1000 * 0.6);
    expect(watch.overlaps).toBe(0);
    expect(w.emulator.leases.get(NS, NAME).spec).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 1 });
  });

  it('two contenders racing for an expired Lease: the replace with the stale resourceVersion gets 409, exactly one leads', async () => {
    const w = await world();
    const long = new V1MicroTime(Date.now() - 60_000).toISOString();
    w.emulator.leases.create(NS, {
      metadata: { name: NAME },
      spec: { holderIdentity: 'crashed-pod', leaseDurationSeconds: 15, acquireTime: long, renewTime: long, leaseTransitions: 4 },
    });
    // Both reads are answered after the same delay (long enough that a busy machine still sends both before either answers, short of the request time limit), so both contenders read the same resourceVersion.
    w.emulator.faults.set({ latency: { ms: 700, method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}` } });
    const a = w.elector('pod-a');
    const b = w.elector('pod-b');
    await Promise.all([a.start(), b.start()]);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const winner = a.isLeader() ? 'pod-a' : 'pod-b';
    // One takeover only: the loser's write was refused, not applied on top.
    expect(w.emulator.leases.get(NS, NAME).spec).toMatchObject({ holderIdentity: winner, leaseTransitions: 5 });
    expect(w.emulator.counters.get('PUT /apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}')).toBe(2);
  });

  it('two contenders creating the Lease at once: the second create gets 409, exactly one leads', async () => {
    const w = await world();
    w.emulator.faults.set({ latency: { ms: 700, method: 'GET' } });
    const a = w.elector('pod-a');
    const b = w.elector('pod-b');
    await Promise.all([a.start(), b.start()]);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(w.emulator.leases.get(NS, NAME).spec).toMatchObject({ holderIdentity: a.isLeader() ? 'pod-a' : 'pod-b', leaseTransitions: 0 });
  });

  it('rejected credentials: follower, and the logged failure names the status, never the token', async () => {
    const w = await world();
    const kubeconfig = join(w.dir, 'kubeconfig-wrong');
    const wrong = 'not-the-right-token-123456';
    writeFileSync(kubeconfig, w.emulator.kubeconfig.replace(TOKEN, wrong), { mode: 0o600 });
    const lines: string[] = [];
    const a = w.elector('pod-a', { kubeconfig, log: (m) => lines.push(m) });
    await a.start();
    expect(a.isLeader()).toBe(false);
    expect(lines.join('\n')).toMatch(/HTTP 401/);
    for (const secret of [wrong, TOKEN]) expect(lines.join('\n')).not.toContain(secret);
  });

  it('refuses bad options as user errors', () => {
    expect(() => new LeaseElector({ namespace: NS, name: NAME, leaseDurationSeconds: 1.5, kubeconfig: 'x' })).toThrow(UserError);
    expect(() => new LeaseElector({ namespace: NS, name: NAME, leaseDurationSeconds: 0, kubeconfig: 'x' })).toThrow(/at least 1/);
    expect(() => new LeaseElector({ namespace: '', name: NAME, kubeconfig: 'x' })).toThrow(/namespace/);
    expect(() => new LeaseElector({ namespace: NS, name: NAME, inCluster: true, kubeconfig: 'x' })).toThrow(/inCluster/);
  });
});
