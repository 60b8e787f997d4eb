import { hash } from 'node:crypto';

/**
 * Stable ids: the same provider, action and target give the same id in every plan, so
 * approvals, confirmations and the journal can refer to a change across runs.
 */
export function changeId(provider: string, action: string, accountId: string | null, groupId: string | null): string {
  return shortHash(['change', provider, action, accountId ?? '', groupId ?? '']);
}

export function findingId(kind: string, ...parts: Array<string | null | undefined>): string {
  return shortHash(['finding', kind, ...parts.map((p) => p ?? '')]);
}

function shortHash(parts: string[]): string {
  return hash('sha256', parts.join('\u0000'), 'hex').slice(0, 16);
}
