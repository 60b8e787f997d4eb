import { ProviderError } from '../../src/errors.js';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { ObservedProvider, PlanChange, ScimConnection } from '../../src/types/index.js';
import type { ProviderCapabilities } from '../../src/types/capabilities.js';
import type { ScimClient } from './client.js';
import { isInactive, isMember, toObservedAccount, toObservedGroup } from './mapping.js';
import { filterString, patchRequest, type ScimGroup, type ScimUser } from './schema.js';

export interface ScimProviderSettings {
  /** `count` asked for per page; servers may return fewer. */
  pageSize: number;
  /** `delete` removes the user; `deactivate` only makes sure it is inactive. */
  deleteMode: 'delete' | 'deactivate';
  /** What this connection does (see scimCapabilities). */
  capabilities: ProviderCapabilities;
}

const AUTOMATED = ['suspend', 'add_member', 'remove_member', 'delete'] as const;
const SCIM_CAPABILITIES = declareCapabilities({ automated: AUTOMATED });
const DEACTIVATION_ENDS_SESSIONS = declareCapabilities({ automated: AUTOMATED, notApplicable: ['revoke_sessions', 'revoke_tokens', 'reset_factors'] });

/**
 * SCIM has no session, token or factor operations: they are tasks for the app owner,
 * unless the connection says deactivation covers them (deactivationEndsSessions).
 */
export function scimCapabilities(connection: Pick<ScimConnection, 'deactivationEndsSessions'>): ProviderCapabilities {
  return connection.deactivationEndsSessions === true ? DEACTIVATION_ENDS_SESSIONS : SCIM_CAPABILITIES;
}

const userPath = (id: string): string => `/Users/${encodeURIComponent(id)}`;
const groupPath = (id: string): string => `/Groups/${encodeURIComponent(id)}`;

/**
 * Any SCIM 2.0 service (RFC 7643/7644): observes Users and Groups in bulk and applies
 * suspend (active=false), group membership and delete. Every apply re-reads its target
 * first, so a rerun after any failure returns `already` instead of repeating an effect.
 * What SCIM cannot do is planned as a task for the app owner.
 */
export class ScimProvider implements Provider {
  readonly type = 'scim' as const;
  readonly capabilities: ProviderCapabilities;
  /** Whether the service offers entity tags, read from its ServiceProviderConfig once. */
  private etagSupport: Promise<boolean> | undefined;

  constructor(
    readonly name: string,
    private readonly client: ScimClient,
    private readonly settings: ScimProviderSettings,
  ) {
    this.capabilities = settings.capabilities;
  }

  async observe(): Promise<ObservedProvider> {
    const observedAt = new Date().toISOString();
    const users = await this.client.listAll<ScimUser>('Users', this.settings.pageSize);
    const groups = await this.client.listAll<ScimGroup>('Groups', this.settings.pageSize);
    const groupIds = new Set(groups.map((g) => g.id));
    return {
      type: 'scim',
      observedAt,
      accounts: users.map(toObservedAccount),
      groups: groups.map((g) => toObservedGroup(g, groupIds)),
    };
  }

  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(this, change, {
      suspend: (a) => this.suspend(a),
      delete: (a) => this.delete(a),
      add_member: (g, a) => this.addMember(g, a),
      remove_member: (g, a) => this.removeMember(g, a),
    });
  }

  async close(): Promise<void> {}

  /** Finds a user by userName (filter `userName eq "..."`); null when there is none. */
  async findUser(userName: string): Promise<ScimUser | null> {
    const res = await this.client.request<{ Resources?: ScimUser[] }>('GET', '/Users', {
      query: { filter: `userName eq ${filterString(userName)}`, startIndex: 1, count: 2 },
    });
    return res.body?.Resources?.[0] ?? null;
  }

  /**
   * Whether writes carry If-Match: only where ServiceProviderConfig says `etag.supported`
   * (RFC 7643 §5, RFC 7644 §3.14). A version shown by a service without entity tags cannot
   * be matched (RFC 7232 §3.1), so sending it would refuse every write. A service without
   * a readable ServiceProviderConfig (4xx) is taken to have none.
   */
  private etagsSupported(): Promise<boolean> {
    this.etagSupport ??= this.client
      .request<{ etag?: { supported?: unknown } }>('GET', '/ServiceProviderConfig', { accept: (status) => status >= 400 && status < 500 })
      .then((res) => res.status < 300 && res.body?.etag?.supported === true)
      .catch((e: unknown) => {
        this.etagSupport = undefined;
        throw e;
      });
    return this.etagSupport;
  }

  /** The If-Match to send for a version read, where the service offers entity tags. */
  private async ifMatch(etag: string | undefined): Promise<{ ifMatch?: string }> {
    return etag && (await this.etagsSupported()) ? { ifMatch: etag } : {};
  }

  /**
   * active=false with If-Match when the service offers entity tags: the decision was made
   * on the version read, so a 412 means someone changed the user; re-read and decide again once.
   */
  private async suspend(id: string): Promise<ApplyOutcome> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get<ScimUser>('Users', id);
      if (!current) return { result: 'already', detail: 'the account no longer exists' };
      if (isInactive(current.resource)) return { result: 'already', before: { active: false }, after: { active: false } };
      const res = await this.client.request<ScimUser>('PATCH', userPath(id), {
        body: patchRequest({ op: 'replace', path: 'active', value: false }),
        ...(await this.ifMatch(current.etag)),
        accept: attempt === 0 ? [412] : [],
      });
      if (res.status === 412) continue;
      if (res.body && typeof res.body === 'object' && 'active' in res.body && !isInactive(res.body)) {
        throw new ProviderError(this.name, `PATCH ${userPath(id)}: the service accepted the change but the account is still active`, { status: res.status });
      }
      return { result: 'ok', before: { active: true }, after: { active: false } };
    }
  }

  /** Delete is planned only after suspension, so an active account is refused, never deleted. */
  private async delete(id: string): Promise<ApplyOutcome> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get<ScimUser>('Users', id);
      if (!current) return { result: 'already', detail: 'the account no longer exists' };
      if (this.settings.deleteMode === 'deactivate') {
        const outcome = await this.suspend(id);
        return { ...outcome, detail: 'deleteMode is deactivate: the account is kept, inactive' };
      }
      if (!isInactive(current.resource)) {
        throw new ProviderError(this.name, `refusing to delete active account ${id}: delete is only applied to a suspended account`);
      }
      const res = await this.client.request('DELETE', userPath(id), {
        ...(await this.ifMatch(current.etag)),
        accept: attempt === 0 ? [404, 412] : [404],
      });
      if (res.status === 412) continue;
      if (res.status === 404) return { result: 'already', detail: 'the account no longer exists' };
      return { result: 'ok', before: { exists: true, active: false }, after: { exists: false } };
    }
  }

  /**
   * Membership PATCHes are deltas the service applies atomically, so they carry no
   * If-Match: several changes to one group in flight at once must not fail each other.
   */
  private async addMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const group = await this.client.get<ScimGroup>('Groups', groupId);
    if (!group) throw new ProviderError(this.name, `group ${groupId} does not exist`, { status: 404 });
    if (isMember(group.resource, accountId)) return { result: 'already', before: { member: true }, after: { member: true } };
    const res = await this.client.request('PATCH', groupPath(groupId), {
      body: patchRequest({ op: 'add', path: 'members', value: [{ value: accountId }] }),
      accept: [409],
    });
    if (res.status === 409) return { result: 'already', detail: 'the service reports the account already a member' };
    return { result: 'ok', before: { member: false }, after: { member: true } };
  }

  private async removeMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const group = await this.client.get<ScimGroup>('Groups', groupId);
    if (!group) return { result: 'already', detail: 'the group no longer exists' };
    if (!isMember(group.resource, accountId)) return { result: 'already', before: { member: false }, after: { member: false } };
    // A filter matching nothing is 400 noTarget (RFC 7644 §3.5.2): the member left meanwhile.
    const res = await this.client.request('PATCH', groupPath(groupId), {
      body: patchRequest({ op: 'remove', path: `members[value eq ${filterString(accountId)}]` }),
      accept: (status, body) => status === 400 && (body as { scimType?: unknown } | undefined)?.scimType === 'noTarget',
    });
    if (res.status === 400) return { result: 'already', detail: 'the account was no longer a member' };
    return { result: 'ok', before: { member: true }, after: { member: false } };
  }
}
