import { Collection, type Client, type User } from '@okta/okta-sdk-nodejs';
import pLimit from 'p-limit';
import { ProviderError } from '../../src/errors.js';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { ObservedAccount, ObservedGroup, ObservedProvider, PlanChange } from '../../src/types/index.js';
import { observeEachAccount } from '../../src/provider/observe-accounts.js';
import { FailureMapper } from './failures.js';
import { ALL_STATUSES_FILTER, toObservedAccount, toObservedGroup, type OktaGroupLike, type OktaUserLike } from './mapping.js';

/**
 * The largest `limit` of each listing the provider reads (Okta's documented maxima):
 * what it asks for, so that a listing takes as few requests of its rate-limit bucket as
 * Okta allows. Okta caps a larger limit; asking for more would only hide the page size.
 * A user's groups (listUserGroups) are asked for without one: that operation takes none.
 */
export const PAGE_MAX = {
  /** GET /api/v1/users */
  users: 200,
  /** GET /api/v1/groups */
  groups: 10_000,
  /** GET /api/v1/groups/{id}/users */
  groupMembers: 1000,
} as const;

export interface OktaProviderSettings {
  /** Caps `limit` on every listing below its maximum (PAGE_MAX); undefined asks for each maximum. */
  pageSize?: number | undefined;
  /** Member listings in flight at once while observing; the rate-limit pacer still governs. */
  observeConcurrency: number;
}

/** What Okta does through its API; ownership transfer is not an Okta operation. */
export const OKTA_CAPABILITIES = declareCapabilities({
  automated: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'delete'],
});

const users = (id: string): string => `/api/v1/users/${encodeURIComponent(id)}`;
/** How long a user read by observeAccounts stands in for reading it again. */
const FRESH_READ_MS = 15_000;
const gone = (): ApplyOutcome => ({ result: 'already', detail: 'the account no longer exists' });

/**
 * An Okta org through the official SDK. Observe lists users (every status, one
 * listing), groups and each group's members in bulk pages. Apply re-reads its target
 * first, so a rerun after any failure returns `already` instead of repeating an
 * effect. Ownership transfer is not an Okta operation: it is planned as a task for the
 * app owner, which the apply hands to its task desk like any other task.
 */
export class OktaProvider implements Provider {
  readonly type = 'okta' as const;
  readonly capabilities = OKTA_CAPABILITIES;
  /**
   * Users just read by observeAccounts (the engine's re-check before applying), kept
   * briefly so the changes that follow do not read the same user again from the same
   * rate-limit bucket; updated by this provider's own writes, dropped on any surprise.
   */
  private readonly fresh = new Map<string, { status: string; groups: Set<string>; at: number }>();

  constructor(
    readonly name: string,
    private readonly client: Client,
    private readonly settings: OktaProviderSettings,
    private readonly failures: FailureMapper,
  ) {}

  async observe(): Promise<ObservedProvider> {
    const observedAt = new Date().toISOString();
    const [accounts, groups] = await Promise.all([this.listAccounts(), this.listGroups()]);
    return { type: 'okta', observedAt, accounts, groups };
  }

  /** Each account (GET /api/v1/users/{id}) and its groups (GET /api/v1/users/{id}/groups). */
  observeAccounts(ids: readonly string[]): Promise<ObservedProvider> {
    return observeEachAccount('okta', ids, this.settings.observeConcurrency, async (id) => {
      const user = await this.getUser(id);
      if (!user) return null;
      let listed: OktaGroupLike[];
      try {
        listed = await this.listAll<OktaGroupLike>(`${users(id)}/groups`, undefined);
      } catch (e) {
        if (e instanceof ProviderError && e.status === 404) return null;
        throw e;
      }
      const groups = listed.filter((g) => g.id).map((g) => toObservedGroup({ ...g, id: g.id! }, []));
      this.fresh.set(id, { status: String(user.status), groups: new Set(groups.map((g) => g.id)), at: Date.now() });
      return { account: toObservedAccount({ ...(user as unknown as OktaUserLike), id }), groups };
    });
  }

  /** What observeAccounts read of a user moments ago, or undefined. */
  private recent(id: string) {
    const f = this.fresh.get(id);
    if (f && Date.now() - f.at <= FRESH_READ_MS) return f;
    this.fresh.delete(id);
    return undefined;
  }

  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(this, change, {
      suspend: (a) => this.suspend(a),
      revoke_sessions: (a) => this.revokeSessions(a),
      revoke_tokens: (a) => this.revokeTokens(a),
      reset_factors: (a) => this.resetFactors(a),
      add_member: (g, a) => this.addMember(g, a),
      remove_member: (g, a) => this.removeMember(g, a),
      delete: (a) => this.delete(a),
    });
  }

  async close(): Promise<void> {}

  private async listAccounts(): Promise<ObservedAccount[]> {
    const listed = await this.listAll<OktaUserLike>('/api/v1/users', PAGE_MAX.users, { filter: ALL_STATUSES_FILTER });
    return listed.filter((u) => u.id).map((u) => toObservedAccount({ ...u, id: u.id! }));
  }

  /**
   * Member pages start as soon as their group is listed, several at once. A group listing
   * read again from its first page (a stale cursor) reuses the member listings already
   * started; only the groups of the complete listing are kept.
   */
  private async listGroups(): Promise<ObservedGroup[]> {
    const limit = pLimit(this.settings.observeConcurrency);
    const members = new Map<string, Promise<string[]>>();
    const startMembers = (g: OktaGroupLike) => {
      if (!g.id || members.has(g.id)) return;
      const id = g.id;
      const listing = limit(() => this.memberIds(id));
      listing.catch(() => {}); // awaited below; a failure must not be unhandled meanwhile
      members.set(id, listing);
    };
    const groups = (await this.listAll<OktaGroupLike>('/api/v1/groups', PAGE_MAX.groups, {}, startMembers)).filter((g) => g.id);
    return Promise.all(groups.map(async (g) => toObservedGroup({ ...g, id: g.id! }, await members.get(g.id!)!)));
  }

  private async memberIds(groupId: string): Promise<string[]> {
    const listed = await this.listAll<OktaUserLike>(`/api/v1/groups/${encodeURIComponent(groupId)}/users`, PAGE_MAX.groupMembers);
    return listed.filter((u) => u.id).map((u) => u.id!);
  }

  /** A user by id, or null when Okta says it does not exist. */
  private async getUser(id: string): Promise<User | null> {
    try {
      return await this.client.userApi.getUser({ userId: id });
    } catch (e) {
      if (FailureMapper.status(e) === 404) return null;
      throw this.failures.error(`GET ${users(id)}`, e);
    }
  }

  /**
   * Okta suspends only ACTIVE users
   * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/).
   * A user in another status that still holds or can regain access (STAGED,
   * PROVISIONED, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY) is deactivated instead, the only
   * containment Okta offers for them: unlocking or resetting first would let the leaver in. A 400 means the
   * status changed after it was read: read again and decide once more.
   */
  private async suspend(id: string): Promise<ApplyOutcome> {
    for (let attempt = 0; ; attempt++) {
      const recent = attempt === 0 ? this.recent(id) : undefined;
      const user = recent ? { status: recent.status } : await this.getUser(id);
      if (!user) return { result: 'already', detail: 'the account no longer exists' };
      const status = String(user.status);
      if (status === 'SUSPENDED' || status === 'DEPROVISIONED') return { result: 'already', before: { status }, after: { status } };
      try {
        if (status === 'ACTIVE') {
          await this.client.userApi.suspendUser({ userId: id });
          if (recent) recent.status = 'SUSPENDED';
          return { result: 'ok', before: { status }, after: { status: 'SUSPENDED' } };
        }
        await this.client.userApi.deactivateUser({ userId: id, sendEmail: false });
        if (recent) recent.status = 'DEPROVISIONED';
        return { result: 'ok', before: { status }, after: { status: 'DEPROVISIONED' }, detail: `Okta suspends only ACTIVE users; the ${status} user was deactivated` };
      } catch (e) {
        this.fresh.delete(id);
        if (attempt === 0 && FailureMapper.status(e) === 400) continue;
        throw this.failures.error(`POST ${users(id)}/lifecycle/${status === 'ACTIVE' ? 'suspend' : 'deactivate'}`, e);
      }
    }
  }

  /** Ends every session, with the OAuth tokens they issued, and forgets remembered devices. */
  private async revokeSessions(id: string): Promise<ApplyOutcome> {
    if (!(await this.orGone(`DELETE ${users(id)}/sessions`, () => this.client.userApi.revokeUserSessions({ userId: id, oauthTokens: true, forgetDevices: true }))))
      return gone();
    return { result: 'ok', detail: 'sessions ended, OAuth tokens revoked, remembered devices forgotten' };
  }

  /** Revokes refresh tokens client by client, then every consent grant; nothing to revoke is `already`. */
  private async revokeTokens(id: string): Promise<ApplyOutcome> {
    const listed = await this.orGone(`GET ${users(id)}/clients`, async () => {
      const out: string[] = [];
      for await (const c of await this.client.userApi.listUserClients({ userId: id })) if (c?.client_id) out.push(c.client_id);
      return out;
    });
    if (!listed) return gone();
    const clients = listed.value;
    if (clients.length === 0) return { result: 'already', before: { clients: 0 }, after: { clients: 0 } };
    for (const clientId of clients) {
      await this.call(`DELETE ${users(id)}/clients/${clientId}/tokens`, () => this.client.userApi.revokeTokensForUserAndClient({ userId: id, clientId }));
    }
    await this.call(`DELETE ${users(id)}/grants`, () => this.client.userApi.revokeUserGrants({ userId: id }));
    return { result: 'ok', before: { clients: clients.length }, after: { clients: 0 } };
  }

  private async resetFactors(id: string): Promise<ApplyOutcome> {
    const counted = await this.orGone(`GET ${users(id)}/factors`, async () => {
      let n = 0;
      for await (const f of await this.client.userFactorApi.listFactors({ userId: id })) if (f) n += 1;
      return n;
    });
    if (!counted) return gone();
    const factors = counted.value;
    if (factors === 0) return { result: 'already', before: { factors: 0 }, after: { factors: 0 } };
    await this.call(`POST ${users(id)}/lifecycle/reset_factors`, () => this.client.userApi.resetFactors({ userId: id }));
    return { result: 'ok', before: { factors }, after: { factors: 0 } };
  }

  /** The user's groups decide; the PUT itself is idempotent in Okta too. */
  private async addMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    if (await this.isMember(groupId, accountId)) return { result: 'already', before: { member: true }, after: { member: true } };
    await this.call(`PUT /api/v1/groups/${groupId}/users/${accountId}`, () => this.client.groupApi.assignUserToGroup({ groupId, userId: accountId }));
    this.recent(accountId)?.groups.add(groupId);
    return { result: 'ok', before: { member: false }, after: { member: true } };
  }

  private async removeMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const member = await this.isMember(groupId, accountId, true);
    if (!member) return { result: 'already', before: { member: false }, after: { member: false } };
    try {
      await this.client.groupApi.unassignUserFromGroup({ groupId, userId: accountId });
    } catch (e) {
      this.fresh.delete(accountId);
      if (FailureMapper.status(e) === 404) return { result: 'already', detail: 'the group or the account no longer exists' };
      throw this.failures.error(`DELETE /api/v1/groups/${groupId}/users/${accountId}`, e);
    }
    this.recent(accountId)?.groups.delete(groupId);
    return { result: 'ok', before: { member: true }, after: { member: false } };
  }

  /** Membership read from the user's groups (a user has few; a group may have many members). */
  private async isMember(groupId: string, accountId: string, missingIsFalse = false): Promise<boolean> {
    const recent = this.recent(accountId);
    if (recent) return recent.groups.has(groupId);
    try {
      for await (const g of await this.client.userApi.listUserGroups({ userId: accountId })) if (g?.id === groupId) return true;
      return false;
    } catch (e) {
      if (missingIsFalse && FailureMapper.status(e) === 404) return false;
      throw this.failures.error(`GET ${users(accountId)}/groups`, e);
    }
  }

  /**
   * Delete follows suspension only: an account in any other status is refused. Okta's
   * DELETE of a user that is not DEPROVISIONED only deactivates it, so a suspended
   * user is deactivated first and then deleted, each step a separate, re-readable state.
   */
  private async delete(id: string): Promise<ApplyOutcome> {
    this.fresh.delete(id);
    const user = await this.getUser(id);
    if (!user) return { result: 'already', detail: 'the account no longer exists' };
    const status = String(user.status);
    if (status !== 'SUSPENDED' && status !== 'DEPROVISIONED') {
      throw new ProviderError(this.name, `refusing to delete account ${id} in status ${status}: delete is only applied to a suspended or deactivated account`);
    }
    if (status === 'SUSPENDED') {
      try {
        await this.client.userApi.deactivateUser({ userId: id, sendEmail: false });
      } catch (e) {
        // Okta refuses to deactivate a DEPROVISIONED user: deactivated meanwhile, it is deleted all the same.
        const now = FailureMapper.status(e) === 400 ? await this.getUser(id) : undefined;
        if (now === null) return { result: 'already', detail: 'the account no longer exists' };
        if (String(now?.status) !== 'DEPROVISIONED') throw this.failures.error(`POST ${users(id)}/lifecycle/deactivate`, e);
      }
    }
    try {
      await this.client.userApi.deleteUser({ userId: id, sendEmail: false });
    } catch (e) {
      if (FailureMapper.status(e) === 404) return { result: 'already', detail: 'the account no longer exists' };
      throw this.failures.error(`DELETE ${users(id)}`, e);
    }
    return { result: 'ok', before: { exists: true, status }, after: { exists: false } };
  }

  /**
   * Every item of a listing, each also handed to `onItem` as it arrives. Okta's `after`
   * cursors are opaque and do not live forever: a next page refused with 400 (its first
   * page, with the same query, was answered) means the cursor went stale, so the listing
   * is read again from its first page, once, and what was read before is dropped (two
   * readings merged could hold a user deleted in between, or miss one added). A cursor
   * stale again fails as transient, so that a retry or the next observation starts afresh.
   */
  private async listAll<T>(path: string, max: number | undefined, query: Record<string, string> = {}, onItem?: (item: T) => void): Promise<T[]> {
    for (let attempt = 0; ; attempt++) {
      const out: T[] = [];
      try {
        for await (const item of this.list<T>(path, max, query)) {
          if (!item) continue;
          out.push(item);
          onItem?.(item);
        }
        return out;
      } catch (e) {
        if (!isStaleCursor(e)) throw this.failures.error(`GET ${path}`, e);
        if (attempt === 0) continue;
        const detail = this.failures.error(`GET ${path}`, e).message;
        throw new ProviderError(
          this.name,
          `${detail}; the listing's page cursor expired again after the listing was restarted, so it is left incomplete (a retry lists afresh)`,
          {
            status: 400,
            transient: true,
          },
        );
      }
    }
  }

  /**
   * A bulk listing through the SDK's Collection, which follows the Link rel="next"
   * headers over the client's authenticated, paced transport. Items stay plain JSON:
   * the typed APIs' model deserialisation costs more CPU than the whole rest of an
   * observation (measured by bench/observe-okta.mjs), and observe reads a few fields.
   */
  private list<T>(path: string, max: number | undefined, query: Record<string, string> = {}): Collection<T> {
    const url = new URL(path, this.client.baseUrl);
    const limit = max === undefined ? undefined : Math.min(max, this.settings.pageSize ?? max);
    for (const [k, v] of Object.entries(limit === undefined ? query : { ...query, limit: String(limit) })) url.searchParams.set(k, v);
    // Okta reads %20, not +, as a space in filter expressions.
    const href = url.toString().replace(/\+/g, '%20');
    type Args = ConstructorParameters<typeof Collection>;
    const request = { method: 'get', headers: { Accept: 'application/json' } } as unknown as Args[3];
    const plainItems = {} as Args[2]; // a factory without createInstance hands items over as parsed
    return new Collection<T>(this.client.http, href, plainItems, request);
  }

  /**
   * A request under a user that answers 404 when the user no longer exists: its result,
   * or null for a user gone (asking first would cost a request of the same rate
   * limit bucket every time).
   */
  private async orGone<T>(what: string, fn: () => Promise<T>): Promise<{ value: T } | null> {
    try {
      return { value: await fn() };
    } catch (e) {
      if (FailureMapper.status(e) === 404) return null;
      throw this.failures.error(what, e);
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.failures.error(what, e);
    }
  }
}

/** A 400 for a next page, whose first page (the same request without `after`) was answered: the cursor went stale. */
function isStaleCursor(e: unknown): boolean {
  if (FailureMapper.status(e) !== 400) return false;
  const url = (e as { url?: unknown }).url;
  if (typeof url !== 'string') return false;
  try {
    return new URL(url).searchParams.has('after');
  } catch {
    return false;
  }
}
