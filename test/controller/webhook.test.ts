import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_MS, SeenEvents, signEvent, verifyEvent } from '../../src/controller/webhook.js';

const SECRET = 'hr-webhook-secret-3b8e1d0c';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const ts = (ms = NOW) => String(Math.floor(ms / 1000));
const event = { id: 'evt-1', type: 'termination', person: { email: 'p0@acme.com' }, effectiveAt: '2026-11-20T11:59:00Z' };

function deliver(body: unknown, opts: { secret?: string; timestamp?: string; seen?: SeenEvents; signature?: string } = {}) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const timestamp = opts.timestamp ?? ts();
  const signature = opts.signature ?? signEvent(opts.secret ?? SECRET, timestamp, raw);
  return verifyEvent({ timestamp, signature, body: raw }, SECRET, opts.seen ?? new SeenEvents(), NOW);
}

describe('HR webhook verification', () => {
  it('accepts a well-signed, fresh, valid event', () => {
    const v = deliver(event);
    expect(v.status).toBe(202);
    if (v.status === 202) expect(v.event.id).toBe('evt-1');
  });

  it('refuses a signature made with another secret, a missing one, or a tampered body with 401', () => {
    expect(deliver(event, { secret: 'not-the-secret' }).status).toBe(401);
    expect(verifyEvent({ timestamp: ts(), signature: undefined, body: Buffer.from(JSON.stringify(event)) }, SECRET, new SeenEvents(), NOW).status).toBe(401);
    const signature = signEvent(SECRET, ts(), JSON.stringify(event));
    expect(deliver({ ...event, person: { email: 'boss@acme.com' } }, { signature }).status).toBe(401);
  });

  it('refuses a timestamp outside the 5 minute window either side, even when signed', () => {
    expect(deliver(event, { timestamp: ts(NOW - REPLAY_WINDOW_MS - 2000) }).status).toBe(401);
    expect(deliver(event, { timestamp: ts(NOW + REPLAY_WINDOW_MS + 2000) }).status).toBe(401);
    expect(deliver(event, { timestamp: ts(NOW - REPLAY_WINDOW_MS + 2000) }).status).toBe(202);
    expect(deliver(event, { timestamp: 'yesterday' }).status).toBe(401);
  });

  it('refuses a replayed event id with 409, even re-signed with a new timestamp', () => {
    const seen = new SeenEvents();
    expect(deliver(event, { seen }).status).toBe(202);
    expect(deliver(event, { seen }).status).toBe(409);
    expect(deliver(event, { seen, timestamp: ts(NOW + 1000) }).status).toBe(409);
    expect(deliver({ ...event, id: 'evt-2' }, { seen }).status).toBe(202);
  });

  it('refuses malformed bodies with 400 and the schema messages', () => {
    expect(deliver('{not json').status).toBe(400);
    const noPerson = deliver({ ...event, person: {} });
    expect(noPerson.status).toBe(400);
    const badType = deliver({ ...event, type: 'promotion' });
    expect(badType.status).toBe(400);
    if (badType.status === 400) expect(badType.issues?.join('\n')).toMatch(/type/);
    expect(deliver({ ...event, effectiveAt: 'soon' }).status).toBe(400);
    expect(deliver({ id: 'x', type: 'termination', person: { email: 'a@acme.com' } }).status).toBe(400);
  });

  it('never repeats the secret or the signature in its answers', () => {
    const v = deliver(event, { secret: 'not-the-secret' });
    expect(JSON.stringify(v)).not.toContain(SECRET);
    expect(JSON.stringify(v)).not.toContain('sha256=');
  });
});
