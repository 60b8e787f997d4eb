import type { ChangeOutcome } from '../apply/report.js';
import type { ObservedAccount, Snapshot } from '../types/index.js';

/**
 * The snapshot with what an apply confirmed (results `ok` and `already`) written into it
 * (pure): suspended accounts, memberships removed or added, tokens and factors cleared,
 * deleted accounts gone. The HR fast path plans against this between cycles, so a leaver
 * already contained is not planned again; the next cycle's observation replaces it.
 */
export function withApplied(snapshot: Snapshot, results: readonly ChangeOutcome[]): Snapshot {
  const done = results.filter((r) => r.result === 'ok' || r.result === 'already');
  if (done.length === 0) return snapshot;
  const providers = { ...snapshot.providers };
  const touched = new Set<string>();
  const copy = (name: string) => {
    const p = providers[name];
    if (!p) return undefined;
    if (!touched.has(name)) {
      touched.add(name);
      providers[name] = { ...p, accounts: p.accounts.map((a) => ({ ...a })), groups: p.groups.map((g) => ({ ...g, members: [...g.members] })) };
    }
    return providers[name]!;
  };
  for (const { change } of done) {
    const p = copy(change.provider);
    const accountId = change.target.account?.id;
    if (!p || !accountId) continue;
    const account: ObservedAccount | undefined = p.accounts.find((a) => a.id === accountId);
    const group = change.target.group ? p.groups.find((g) => g.id === change.target.group!.id) : undefined;
    switch (change.action) {
      case 'suspend':
        if (account) account.status = 'suspended';
        break;
      case 'revoke_tokens':
        if (account && account.tokens !== undefined) account.tokens = 0;
        break;
      case 'reset_factors':
        if (account && account.factors !== undefined) account.factors = 0;
        break;
      case 'remove_member':
        if (group) group.members = group.members.filter((m) => m !== accountId);
        break;
      case 'add_member':
        if (group && !group.members.includes(accountId)) group.members.push(accountId);
        break;
      case 'delete':
        p.accounts = p.accounts.filter((a) => a.id !== accountId);
        for (const g of p.groups) g.members = g.members.filter((m) => m !== accountId);
        break;
      default:
        break;
    }
  }
  return { ...snapshot, providers };
}
