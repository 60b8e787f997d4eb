import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import { createControllerServer, listen, parseListen } from '../../src/controller/http.js';
import { AlwaysLeader, type LeaderElector } from '../../src/controller/leader.js';
import { ControllerMetrics } from '../../src/controller/metrics.js';
import { folderSource } from '../../src/controller/policy-source.js';
import { signEvent } from '../../src/controller/webhook.js';
import { silentLogger } from '../../src/cli/output.js';
import { fileStore } from '../../src/state/file-store.js';
import type { StateStore } from '../../src/state/store.js';
import { tempDir } from '../cli/run-cli.js';

/** A replica that never leads. */
class Follower implements LeaderElector {
  async start() {}
  isLeader() {
    return false;
  }
  onChange() {}
  async stop() {}
}

const SECRET = 'unit-webhook-secret-77';

async function serve(elector: LeaderElector, store: StateStore = fileStore(join(tmpdir(), 'lockstep-http-none'))): Promise<{ url: string; server: Server }> {
  const metrics = new ControllerMetrics();
  const controller = new Controller({ source: folderSource('/nonexistent'), store, intervalMs: 60_000, elector, metrics, actor: 'test', log: silentLogger });
  const server = createControllerServer({ controller, metrics, secret: SECRET, log: silentLogger });
  return { url: await listen(server, parseListen('127.0.0.1:0')), server };
}

describe('the controller HTTP face', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('a follower is alive but not ready, and turns events away with 503 and Retry-After', async () => {
    const { url, server } = await serve(new Follower());
    servers.push(server);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const body = JSON.stringify({ id: 'e1', type: 'termination', person: { email: 'a@acme.com' }, effectiveAt: new Date().toISOString() });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'x-lockstep-timestamp': ts, 'x-lockstep-signature': signEvent(SECRET, ts, body) } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('a leader without a loaded policy is not ready yet; metrics are served in Prometheus text', async () => {
    const elector = new AlwaysLeader();
    await elector.start();
    const { url, server } = await serve(elector);
    servers.push(server);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE lockstep_mttrevoke_seconds histogram$/m);
    expect(metrics).toMatch(/^lockstep_guard_halts_total 0$/m);
    expect(metrics).toMatch(/process_cpu_user_seconds_total/);
    expect((await fetch(`${url}/v1/events`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  const post = (url: string, event: object) => {
    const body = JSON.stringify(event);
    const ts = String(Math.floor(Date.now() / 1000));
    return fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'x-lockstep-timestamp': ts, 'x-lockstep-signature': signEvent(SECRET, ts, body) } });
  };
  const leave = (id: string) => ({ id, type: 'leave', person: { email: 'a@acme.com' }, effectiveAt: new Date().toISOString() });

  it('records an event in the state store before 202; a redelivery after a restart is a duplicate (409)', async () => {
    const elector = new AlwaysLeader();
    await elector.start();
    const store = fileStore(tempDir());
    const first = await serve(elector, store);
    servers.push(first.server);
    const res = await post(first.url, leave('e-rec'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'e-rec', status: 'pending_cycle' });
    expect((await store.hrEvents.standing()).map((e) => e.event.id)).toEqual(['e-rec']);
    // A new server (a restart: the in-memory replay memory is gone) still knows the id from the store.
    const second = await serve(elector, store);
    servers.push(second.server);
    expect((await post(second.url, leave('e-rec'))).status).toBe(409);
    expect(await store.hrEvents.standing()).toHaveLength(1);
  });

  it('answers 503 and acknowledges nothing when the event cannot be recorded', async () => {
    const elector = new AlwaysLeader();
    await elector.start();
    const base = fileStore(tempDir());
    const broken: StateStore = { ...base, hrEvents: { ...base.hrEvents, record: async () => Promise.reject(new Error('disk full')) } };
    const { url, server } = await serve(elector, broken);
    servers.push(server);
    const res = await post(url, leave('e-lost'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await base.hrEvents.standing()).toEqual([]);
  });

  it('parses listen addresses', () => {
    expect(parseListen(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseListen('8080')).toThrow();
  });
});
