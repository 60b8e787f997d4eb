import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import { createControllerServer, listen, parseListen } from '../../src/controller/http.js';
import { AlwaysLeader, type LeaderElector } from '../../src/controller/leader.js';
import { ControllerMetrics } from '../../src/controller/metrics.js';
import { folderSource } from '../../src/controller/policy-source.js';
import { signEvent } from '../../src/controller/webhook.js';
import { silentLogger } from '../../src/cli/output.js';

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

async function serve(elector: LeaderElector): Promise<{ url: string; server: Server }> {
  const metrics = new ControllerMetrics();
  const controller = new Controller({ source: folderSource('/nonexistent'), stateDir: '/tmp/none', intervalMs: 60_000, elector, metrics, actor: 'test', log: silentLogger });
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

  it('parses listen addresses', () => {
    expect(parseListen(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseListen('8080')).toThrow();
  });
});
