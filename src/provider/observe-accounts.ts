import pLimit from 'p-limit';
import type { ObservedAccount, ObservedGroup, ObservedProvider, ProviderType } from '../types/index.js';

/** One account read afresh with the groups it belongs to; null when it no longer exists. */
export type AccountRead = { account: ObservedAccount; groups: readonly { id: string; name: string }[] } | null;

/**
 * Provider.observeAccounts from a read of one account at a time, `concurrency` at once:
 * the accounts that still exist, and their groups with only those accounts as members.
 */
export async function observeEachAccount(
  type: ProviderType,
  ids: readonly string[],
  concurrency: number,
  read: (id: string) => Promise<AccountRead>,
): Promise<ObservedProvider> {
  const observedAt = new Date().toISOString();
  const limit = pLimit(Math.max(1, concurrency));
  const reads = await Promise.all([...new Set(ids)].map((id) => limit(() => read(id))));
  const accounts: ObservedAccount[] = [];
  const groups = new Map<string, ObservedGroup>();
  for (const r of reads) {
    if (!r) continue;
    accounts.push(r.account);
    for (const g of r.groups) {
      const group = groups.get(g.id) ?? { id: g.id, name: g.name, members: [] };
      groups.set(g.id, group);
      if (!group.members.includes(r.account.id)) group.members.push(r.account.id);
    }
  }
  return { type, observedAt, accounts, groups: [...groups.values()] };
}
