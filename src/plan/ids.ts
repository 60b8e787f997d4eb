import { hash } from 'node:crypto';

/**
 * Stable ids: the same provider, action and target give the same id in every plan, so
 * approvals, confirmations and the journal can refer to a change across runs.
 */
export function changeId(provider: string, action: string, accountId: string | null, groupId: string | null): string {
  // The same text as shortHash(['change', provider, action, account, group]), without the array.
  return digest16(`change\u0000${provider}\u0000${action}\u0000${accountId ?? ''}\u0000${groupId ?? ''}`);
}

export function findingId(kind: string, ...parts: Array<string | null | undefined>): string {
  return shortHash(['finding', kind, ...parts.map((p) => p ?? '')]);
}

function shortHash(parts: string[]): string {
  return digest16(parts.join('\u0000'));
}

const digest16 = (text: string): string => hash('sha256', text, 'hex').slice(0, 16);
