import pLimit from 'p-limit';
import { ProviderError } from '../../src/errors.js';
import { observeEachAccount } from '../../src/provider/observe-accounts.js';
import type { Logger } from '../../src/logger.js';
import type { ObservedProvider } from '../../src/types/index.js';
import type { DeltaState, DirectoryState } from './delta-state.js';
import type { GraphApi } from './graph.js';
import { toObservedAccount, USER_DELTA_SELECT, USER_SELECT, type GraphUser } from './mapping.js';

export interface ObserveSettings {
  /** `$top` on list endpoints; more than GRAPH_MAX_TOP is asked as GRAPH_MAX_TOP. */
  pageSize: number;
  /** Group member listings in flight at once. */
  concurrency: number;
}

/**
 * The largest `$top` the directory collections accept (users, groups, group members,
 * memberOf): Graph answers 400 to more. Longer listings come in pages joined by
 * `@odata.nextLink` (https://learn.microsoft.com/graph/paging).
 */
export const GRAPH_MAX_TOP = 999;

const GROUP_DELTA_SELECT = 'displayName,members';
/**
 * Graph's refusals of signInActivity: the tenant has no Entra ID P1/P2 licence, or the app
 * lacks AuditLog.Read.All (https://learn.microsoft.com/graph/api/user-list, "Get users
 * including their last sign-in time").
 */
const SIGN_IN_REFUSALS: ReadonlyMap<string, string> = new Map([
  ['Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'the tenant has no Entra ID P1/P2 licence'],
  ['Authorization_RequestDenied', 'the app lacks the AuditLog.Read.All permission'],
]);

/** Why Graph refused signInActivity, or undefined when `e` is another failure. */
function signInRefusal(e: unknown): string | undefined {
  if (!(e instanceof ProviderError && e.status === 403 && e.code !== undefined)) return undefined;
  return SIGN_IN_REFUSALS.get(e.code);
}

/** One observation run: whether it has said that it reads no last sign-in times. */
interface Run {
  warned: boolean;
}

/**
 * Errors with which Graph says a delta link can no longer be followed (410 Gone, or 400 for
 * an expired directory token): a full read is needed
 * (https://learn.microsoft.com/graph/delta-query-overview, "Synchronization reset").
 */
const RESYNC_CODES = new Set(['syncStateNotFound', 'syncStateInvalid', 'resyncRequired', 'ResyncRequired']);

type DeltaGroup = { id: string; displayName?: string; '@removed'?: unknown; 'members@delta'?: { id: string; '@odata.type'?: string; '@removed'?: unknown }[] };
type DeltaUser = GraphUser & { '@removed'?: unknown };

/**
 * Observation with delta queries (https://learn.microsoft.com/graph/delta-query-overview).
 * The first read is full, with the list endpoints (fewest requests: 10,000 users, 1,000
 * groups of 30 cost 11 + 2 + 1,000), after taking delta links "from now"
 * (`$deltatoken=latest`), so whatever changes during the listing shows in the next round.
 * Later reads follow the delta links and apply the changes to the stored state; a link
 * Graph no longer accepts (410 Gone, syncStateNotFound, resyncRequired) means a full read.
 */
export class EntraObserver {
  /** Why last sign-in times cannot be read, once Graph refused them; they are not asked for again. */
  private signInsRefused: string | undefined;
  /** `$top` asked on every listing. */
  private readonly top: number;

  constructor(
    private readonly name: string,
    private readonly api: GraphApi,
    private readonly settings: ObserveSettings,
    private readonly store: DeltaState,
    private readonly log: Logger,
  ) {
    this.top = Math.min(settings.pageSize, GRAPH_MAX_TOP);
  }

  /**
   * Each account (GET /users/{id}) and the groups it is a direct member of
   * (/users/{id}/memberOf/microsoft.graph.group); the reads of concurrent accounts share
   * JSON batches. The delta state is left alone: the next observation brings it up to date.
   */
  observeAccounts(ids: readonly string[]): Promise<ObservedProvider> {
    const run: Run = { warned: false };
    return observeEachAccount('entra', ids, this.settings.concurrency, async (id) => {
      const user = await this.readUser(id, run);
      if (!user) return null;
      const first = await this.api.call<{ value?: { id: string; displayName?: string }[]; '@odata.nextLink'?: string }>(
        `list groups of user ${id}`,
        { method: 'GET', url: `/users/${encodeURIComponent(id)}/memberOf/microsoft.graph.group?$top=${this.top}&$select=id,displayName` },
        [404],
      );
      if (first.status === 404) return null;
      const next = first.body?.['@odata.nextLink'];
      const rest = next ? await this.api.list<{ id: string; displayName?: string }>(`list groups of user ${id}`, next) : [];
      const groups = [...(first.body?.value ?? []), ...rest].map((g) => ({ id: g.id, name: g.displayName ?? g.id }));
      return { account: toObservedAccount(user), groups };
    });
  }

  /** One user with the fields a full read gives (sign-in activity where Graph gives it); undefined when gone. */
  private async readUser(id: string, run: Run): Promise<GraphUser | undefined> {
    const read = (select: readonly string[]) =>
      this.api.call<GraphUser>(`read user ${id}`, { method: 'GET', url: `/users/${encodeURIComponent(id)}?$select=${select.join(',')}` }, [404]);
    const answer = await this.withSignIns(
      run,
      () => read(USER_SELECT),
      () => read(USER_DELTA_SELECT),
    );
    return answer.status === 404 ? undefined : answer.body;
  }

  /**
   * `withThem` while Graph gives last sign-in times; `without` once it refuses them
   * (signInActivity needs Entra ID P1/P2 and AuditLog.Read.All), saying so once per run.
   * Reads in flight together may each be refused: each goes on without.
   */
  private async withSignIns<T>(run: Run, withThem: () => Promise<T>, without: () => Promise<T>): Promise<T> {
    if (this.signInsRefused === undefined) {
      try {
        return await withThem();
      } catch (e) {
        const why = signInRefusal(e);
        if (why === undefined) throw e;
        this.signInsRefused = why;
      }
    }
    if (!run.warned) {
      run.warned = true;
      this.log.warn(`${this.name}: ${this.signInsRefused}, so last sign-in times cannot be read; observing without them`);
    }
    return without();
  }

  async observe(resync: boolean): Promise<ObservedProvider> {
    const previous = resync ? undefined : await this.store.load();
    let state: DirectoryState | undefined;
    if (previous) {
      state = await this.incremental(previous);
      if (!state) this.log.info(`${this.name}: Graph no longer accepts the stored delta links; reading the whole directory afresh`);
    }
    state ??= await this.full({ warned: false });
    await this.store.save(state);
    return toObserved(state);
  }

  private async full(run: Run): Promise<DirectoryState> {
    const [usersLink, groupsLink] = await Promise.all([
      this.latestLink('users', `/users/delta?$deltatoken=latest&$select=${USER_DELTA_SELECT.join(',')}`),
      this.latestLink('groups', `/groups/delta?$deltatoken=latest&$select=${GROUP_DELTA_SELECT}`),
    ]);
    const [users, groups] = await Promise.all([
      this.listUsers(run),
      this.api.list<{ id: string; displayName?: string }>('list groups', `/groups?$top=${this.top}&$select=id,displayName`),
    ]);
    const limit = pLimit(this.settings.concurrency);
    const members = await Promise.all(
      groups.map((g) =>
        limit(() =>
          this.api.list<{ id: string }>(`list members of group ${g.id}`, `/groups/${encodeURIComponent(g.id)}/members/microsoft.graph.user?$top=${this.top}&$select=id`),
        ),
      ),
    );
    return {
      usersLink,
      groupsLink,
      users: Object.fromEntries(users.map((u) => [u.id, u])),
      groups: Object.fromEntries(groups.map((g, i) => [g.id, { name: g.displayName ?? g.id, members: [...new Set(members[i]!.map((m) => m.id))] }])),
    };
  }

  /** Users with their last sign-in where Graph gives it. */
  private listUsers(run: Run): Promise<GraphUser[]> {
    const list = (select: readonly string[]) => this.api.list<GraphUser>('list users', `/users?$top=${this.top}&$select=${select.join(',')}`);
    return this.withSignIns(
      run,
      () => list(USER_SELECT),
      () => list(USER_DELTA_SELECT),
    );
  }

  private async latestLink(kind: string, url: string): Promise<string> {
    const answer = await this.api.send({ method: 'GET', url });
    if (answer.status >= 300) throw this.api.failures.fromAnswer(`start ${kind} delta`, answer.status, answer.retryAfter, answer.body);
    const link = (answer.body as { '@odata.deltaLink'?: string } | undefined)?.['@odata.deltaLink'];
    if (!link) throw new ProviderError(this.name, `start ${kind} delta: Graph answered without a delta link`);
    return link;
  }

  /** The stored state brought up to date, or undefined when a delta link is refused. */
  private async incremental(previous: DirectoryState): Promise<DirectoryState | undefined> {
    const users = await this.deltaPages<DeltaUser>('users', previous.usersLink);
    const groups = users && (await this.deltaPages<DeltaGroup>('groups', previous.groupsLink));
    if (!users || !groups) return undefined;
    const state: DirectoryState = { usersLink: users.link, groupsLink: groups.link, users: { ...previous.users }, groups: {} };
    for (const [id, g] of Object.entries(previous.groups)) state.groups[id] = { name: g.name, members: [...g.members] };
    const removedUsers = new Set<string>();
    for (const u of users.items) {
      if (u['@removed'] !== undefined) {
        delete state.users[u.id];
        removedUsers.add(u.id);
        continue;
      }
      const { '@removed': _, ...props } = u;
      state.users[u.id] = { ...state.users[u.id], ...props };
    }
    for (const g of groups.items) {
      if (g['@removed'] !== undefined) {
        delete state.groups[g.id];
        continue;
      }
      const target = (state.groups[g.id] ??= { name: g.displayName ?? g.id, members: [] });
      if (g.displayName !== undefined) target.name = g.displayName;
      const members = new Set(target.members);
      for (const m of g['members@delta'] ?? []) {
        if (m['@odata.type'] !== undefined && m['@odata.type'] !== '#microsoft.graph.user') continue;
        if (m['@removed'] !== undefined) members.delete(m.id);
        else members.add(m.id);
      }
      target.members = [...members];
    }
    if (removedUsers.size) for (const g of Object.values(state.groups)) g.members = g.members.filter((m) => !removedUsers.has(m));
    return state;
  }

  /** Every page of one delta round and the link of the next; undefined when Graph wants a full read. */
  private async deltaPages<T>(kind: string, link: string): Promise<{ items: T[]; link: string } | undefined> {
    const items: T[] = [];
    for (let next = link; ;) {
      const answer = await this.api.send({ method: 'GET', url: next });
      const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
      if (answer.status === 410 || (answer.status >= 400 && code !== undefined && RESYNC_CODES.has(code))) return undefined;
      if (answer.status >= 300) throw this.api.failures.fromAnswer(`${kind} delta`, answer.status, answer.retryAfter, answer.body);
      const page = (answer.body ?? {}) as { value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
      items.push(...(page.value ?? []));
      if (page['@odata.deltaLink']) return { items, link: page['@odata.deltaLink'] };
      if (!page['@odata.nextLink'] || page['@odata.nextLink'] === next)
        throw new ProviderError(this.name, `${kind} delta: a page with neither a next link nor a delta link`);
      next = page['@odata.nextLink'];
    }
  }
}

function toObserved(state: DirectoryState): ObservedProvider {
  return {
    type: 'entra',
    observedAt: new Date().toISOString(),
    accounts: Object.values(state.users).map(toObservedAccount),
    groups: Object.entries(state.groups).map(([id, g]) => ({ id, name: g.name, members: [...g.members] })),
  };
}
