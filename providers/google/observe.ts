import pLimit from 'p-limit';
import type { ObservedGroup, ObservedProvider } from '../../src/types/index.js';
import type { GoogleApi } from './client.js';
import { toObservedAccount, USER_FIELDS } from './mapping.js';

/** The Directory API's largest pages. */
export const MAX_USERS_PAGE = 500;
export const MAX_GROUPS_PAGE = 200;
export const MAX_MEMBERS_PAGE = 200;

export interface ObserveSettings {
  customer: string;
  /** maxResults asked for, capped at each listing's maximum. */
  pageSize: number;
  /** Groups whose members are listed at once. */
  concurrency: number;
}

/**
 * Users (suspended included), groups and each group's direct members, at the largest
 * pages and with partial responses. Google has no bulk membership listing, so the
 * floor is one members page per group: 10,000 users, 1,000 groups of 30 members cost
 * 20 + 5 + 1,000 requests. Only USER members are accounts; nested groups are noted
 * (their count) and not expanded: their own members are listed with them.
 */
export async function observeWorkspace(api: GoogleApi, settings: ObserveSettings): Promise<{ observed: ObservedProvider; nestedGroups: number }> {
  const observedAt = new Date().toISOString();
  const { directory } = api;
  const [userPages, groupPages] = await Promise.all([
    api.pages('users.list', (pageToken) =>
      directory.users.list({
        customer: settings.customer,
        maxResults: Math.min(settings.pageSize, MAX_USERS_PAGE),
        fields: `nextPageToken,users(${USER_FIELDS})`,
        ...(pageToken ? { pageToken } : {}),
      }),
    ),
    api.pages('groups.list', (pageToken) =>
      directory.groups.list({
        customer: settings.customer,
        maxResults: Math.min(settings.pageSize, MAX_GROUPS_PAGE),
        fields: 'nextPageToken,groups(id,email)',
        ...(pageToken ? { pageToken } : {}),
      }),
    ),
  ]);
  const accounts = userPages
    .flatMap((p) => p.users ?? [])
    .filter((u) => typeof u.id === 'string')
    .map(toObservedAccount);
  const groups = groupPages.flatMap((p) => p.groups ?? []).filter((g) => typeof g.id === 'string');
  const limit = pLimit(settings.concurrency);
  let nestedGroups = 0;
  const observedGroups = await Promise.all(
    groups.map((g) =>
      limit(async (): Promise<ObservedGroup> => {
        const pages = await api.pages(`members.list ${g.email ?? g.id}`, (pageToken) =>
          directory.members.list({
            groupKey: g.id!,
            maxResults: Math.min(settings.pageSize, MAX_MEMBERS_PAGE),
            fields: 'nextPageToken,members(id,type)',
            ...(pageToken ? { pageToken } : {}),
          }),
        );
        const members = pages.flatMap((p) => p.members ?? []);
        nestedGroups += members.filter((m) => m.type === 'GROUP').length;
        const users = members.filter((m) => m.type === 'USER' && typeof m.id === 'string').map((m) => m.id!);
        return { id: g.id!, name: g.email ?? g.id!, members: [...new Set(users)] };
      }),
    ),
  );
  return { observed: { type: 'google', observedAt, accounts, groups: observedGroups }, nestedGroups };
}
