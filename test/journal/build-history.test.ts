import { describe, expect, it } from 'vitest';
import { buildHistory } from '../../src/journal/build-history.js';
import type { JournalRecord } from '../../src/types/index.js';

let seq = 0;
const rec = (r: Partial<JournalRecord>): JournalRecord => ({
  seq: ++seq,
  time: '2026-11-22T00:00:00Z',
  runId: 'r',
  actor: 'a',
  type: 'change',
  prev: '0'.repeat(64),
  hash: '0'.repeat(64),
  ...r,
});

describe('buildHistory', () => {
  it('doneSince counts ok and already at or after the time', () => {
    const h = buildHistory([
      rec({ changeId: 'a', result: 'ok', time: '2026-11-20T00:00:00Z' }),
      rec({ changeId: 'b', result: 'failed', time: '2026-11-21T00:00:00Z' }),
      rec({ changeId: 'c', result: 'already', time: '2026-11-21T00:00:00Z' }),
    ]);
    expect(h.doneSince('a', Date.parse('2026-11-20T00:00:00Z'))).toBe(true);
    expect(h.doneSince('a', Date.parse('2026-11-20T00:00:01Z'))).toBe(false);
    expect(h.doneSince('b', 0)).toBe(false);
    expect(h.doneSince('c', 0)).toBe(true);
  });

  it('openTasks are pending changes with no later completion', () => {
    const account = { id: '00u1', login: 'a@acme.com' };
    const h = buildHistory([
      rec({ changeId: 't1', action: 'task', provider: 'vpn', result: 'pending', target: { account }, time: '2026-11-01T00:00:00Z' }),
      rec({ changeId: 't1', action: 'task', provider: 'vpn', result: 'pending', time: '2026-11-02T00:00:00Z' }),
      rec({ changeId: 't2', action: 'task', provider: 'vpn', result: 'pending' }),
      rec({ changeId: 't2', type: 'task', result: 'ok' }),
      rec({ changeId: 't3', action: 'task', provider: 'vpn', result: 'ok' }),
      rec({ changeId: 't3', action: 'task', provider: 'vpn', result: 'pending', time: '2026-11-03T00:00:00Z' }),
    ]);
    expect(h.openTasks()).toEqual([
      { changeId: 't1', provider: 'vpn', person: null, account, action: 'task', openedAt: '2026-11-01T00:00:00Z' },
      { changeId: 't3', provider: 'vpn', person: null, account: null, action: 'task', openedAt: '2026-11-03T00:00:00Z' },
    ]);
  });

  it('firstTriggerFor is the earliest triggerAt for provider, account and trigger', () => {
    const target = { account: { id: '00u9', login: 'x@acme.com' } };
    const h = buildHistory([
      rec({ changeId: 'a', provider: 'okta', target, reason: { trigger: 'orphan' }, triggerAt: '2026-11-05T00:00:00Z', result: 'failed' }),
      rec({ changeId: 'b', provider: 'okta', target, reason: { trigger: 'orphan' }, triggerAt: '2026-11-02T00:00:00Z', result: 'ok' }),
      rec({ changeId: 'c', provider: 'okta', target, reason: { trigger: 'inactive' }, triggerAt: '2026-10-01T00:00:00Z', result: 'ok' }),
    ]);
    expect(h.firstTriggerFor('okta', '00u9', 'orphan')).toBe(Date.parse('2026-11-02T00:00:00Z'));
    expect(h.firstTriggerFor('okta', '00u9', 'terminated')).toBeUndefined();
    expect(h.firstTriggerFor('gws', '00u9', 'orphan')).toBeUndefined();
  });
});
