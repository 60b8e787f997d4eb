import { describe, expect, it } from 'vitest';
import type { Provider } from '../../src/provider/provider.js';
import type { Logger } from '../../src/logger.js';
import { observeProviders } from '../../src/snapshot/observe.js';
import { compareIds, inCanonicalOrder } from '../../src/snapshot/order.js';
import type { ObservedProvider } from '../../src/types/index.js';

const observed = (): ObservedProvider => ({
  type: 'scim',
  accounts: [
    { id: 'b-2', login: 'b@acme.com', status: 'active' },
    { id: 'B-1', login: 'B@acme.com', status: 'active' },
    { id: 'a-10', login: 'a@acme.com', status: 'suspended' },
    { id: 'a-9', login: 'a9@acme.com', status: 'active' },
  ],
  groups: [
    { id: 'g2', name: 'Two', members: ['b-2', 'a-9', 'nested-g1'] },
    { id: 'g1', name: 'One', members: ['a-10', 'B-1'] },
  ],
});

describe('inCanonicalOrder', () => {
  it('orders accounts and each group’s members by id in code-unit order, and keeps the groups as listed', () => {
    const input = observed();
    const before = JSON.stringify(input);
    const out = inCanonicalOrder(input);
    expect(out.accounts.map((a) => a.id)).toEqual(['B-1', 'a-10', 'a-9', 'b-2']);
    expect(out.groups.map((g) => [g.id, g.members])).toEqual([
      ['g2', ['a-9', 'b-2', 'nested-g1']],
      ['g1', ['B-1', 'a-10']],
    ]);
    expect(out.accounts[0]).toBe(input.accounts[1]); // the same accounts, reordered
    expect(JSON.stringify(input)).toBe(before); // the observation itself is left as it was
    expect(['b', 'B', 'a', '\u00e9', 'Z'].sort(compareIds)).toEqual(['B', 'Z', 'a', 'b', '\u00e9']);
  });

  it('is what observeProviders puts in the snapshot', async () => {
    const provider = { observe: async () => observed() } as unknown as Provider;
    const log: Logger = { info: () => {}, warn: () => {}, debug: () => {} };
    const snapshot = await observeProviders(new Map([['app', provider]]), log, () => new Date('2026-11-22T09:00:00Z'));
    expect(snapshot.providers.app).toEqual({ ...inCanonicalOrder(observed()), observedAt: '2026-11-22T09:00:00.000Z' });
  });
});
