import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RequestCounters } from '../../src/emulator/counters.js';
import { FaultController, interceptFaults } from '../../src/emulator/faults.js';

const at = (method: string, template: string, path = template) => ({ method, template, path });

describe('FaultController', () => {
  it('fires a rule for the next N matching requests only', () => {
    const f = new FaultController();
    f.set({ rules: [{ method: 'PATCH', path: '/Users/{id}', times: 2, fault: { kind: 'reset' } }] });
    expect(f.decide(at('GET', '/Users/{id}')).rule).toBeUndefined();
    expect(f.decide(at('PATCH', '/Users/{id}', '/Users/u1')).rule).toBeDefined();
    expect(f.decide(at('patch', '/Users/{id}')).rule).toBeDefined();
    expect(f.decide(at('PATCH', '/Users/{id}')).rule).toBeUndefined();
    expect(f.armed).toBe(false);
    expect(f.injected).toBe(2);
  });

  it('spreads a fraction evenly and matches raw paths and regular expressions', () => {
    const f = new FaultController();
    f.set({ rules: [{ path: /^\/Groups/, fraction: 0.25, fault: { kind: 'rate_limit' } }] });
    const fired = Array.from({ length: 8 }, () => f.decide(at('GET', '/Groups')).rule !== undefined);
    expect(fired).toEqual([false, false, false, true, false, false, false, true]);
    f.set({ rules: [{ path: '/Users/u9', fault: { kind: 'reset' } }] });
    expect(f.decide(at('GET', '/Users/{id}', '/Users/u1')).rule).toBeUndefined();
    expect(f.decide(at('GET', '/Users/{id}', '/Users/u9')).rule).toBeDefined();
  });

  it('adds up matching latencies and clears everything', () => {
    const f = new FaultController();
    f.set({ latency: [{ ms: 10 }, { ms: 5, method: 'GET' }] });
    expect(f.decide(at('GET', '/x')).latencyMs).toBe(15);
    expect(f.decide(at('POST', '/x')).latencyMs).toBe(10);
    f.clear();
    expect(f.decide(at('GET', '/x')).latencyMs).toBe(0);
  });
});

describe('interceptFaults on node:http', () => {
  it('answers before the handler, or replaces the answer after its effect', async () => {
    const faults = new FaultController();
    const counters = new RequestCounters();
    let effects = 0;
    const server = createServer(async (req, res) => {
      const endpoint = at(req.method ?? 'GET', '/thing');
      if (await interceptFaults(req, res, endpoint, { faults, counters }, (s, d) => ({ contentType: 'application/json', body: JSON.stringify({ s, d }) }))) return;
      effects += 1;
      res.setHeader('X-Handler', 'yes');
      res.end('done');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`;
    try {
      faults.set({ rules: [{ fault: { kind: 'rate_limit', retryAfter: 3 } }] });
      const limited = await fetch(url);
      expect([limited.status, limited.headers.get('retry-after'), effects]).toEqual([429, '3', 0]);
      faults.set({ rules: [{ fault: { kind: 'server_error', status: 504 }, afterEffect: true }] });
      const lost = await fetch(url, { method: 'POST' });
      expect([lost.status, lost.headers.get('x-handler'), effects]).toEqual([504, null, 1]);
      expect(await lost.json()).toEqual({ s: 504, d: 'Service unavailable (injected fault)' });
      faults.set({ latency: 60 });
      const started = Date.now();
      expect(await (await fetch(url)).text()).toBe('done');
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
      expect(counters.snapshot()).toEqual({ 'GET /thing': 2, 'POST /thing': 1 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
