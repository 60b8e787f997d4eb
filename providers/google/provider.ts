import { ProviderError } from '../../src/errors.js';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { Logger } from '../../src/logger.js';
import type { ObservedProvider, PlanChange } from '../../src/types/index.js';
import type { GoogleApi } from './client.js';
import { observeEachAccount } from '../../src/provider/observe-accounts.js';
import { toObservedAccount, USER_FIELDS } from './mapping.js';
import { MAX_GROUPS_PAGE, observeWorkspace, type ObserveSettings } from './observe.js';
import type { DriveCalendarTransfer } from './transfer.js';

/** What Google Workspace does through the Admin SDK, ownership transfer (Drive and Calendar) included. */
export const GOOGLE_CAPABILITIES = declareCapabilities({
  automated: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'transfer_ownership', 'delete'],
});

/**
 * Google Workspace through the Admin SDK (Directory API v1 and Data Transfer API v1).
 * Every apply reads its target first, or relies on an answer that says the effect holds
 * (409 for a member already there, 404 for one already gone), so a rerun after any
 * failure returns `already` instead of repeating an effect.
 */
export class GoogleProvider implements Provider {
  readonly type = 'google' as const;
  readonly capabilities = GOOGLE_CAPABILITIES;

  constructor(
    readonly name: string,
    private readonly api: GoogleApi,
    private readonly settings: ObserveSettings,
    private readonly transfers: DriveCalendarTransfer,
    private readonly log: Logger,
  ) {}

  async observe(): Promise<ObservedProvider> {
    const { observed, nestedGroups } = await observeWorkspace(this.api, this.settings);
    if (nestedGroups > 0) this.log.debug(`${this.name}: ${nestedGroups} nested group memberships are not expanded (their members are listed with their own group)`);
    return observed;
  }

  /** Each account (users.get) and the groups it is a direct member of (groups.list with userKey). */
  observeAccounts(ids: readonly string[]): Promise<ObservedProvider> {
    return observeEachAccount('google', ids, this.settings.concurrency, async (id) => {
      const user = await this.getUser(id, USER_FIELDS);
      if (!user?.id) return null;
      let pages;
      try {
        pages = await this.api.pages(`groups.list userKey=${id}`, (pageToken) =>
          this.api.directory.groups.list({
            userKey: id,
            maxResults: Math.min(this.settings.pageSize, MAX_GROUPS_PAGE),
            fields: 'nextPageToken,groups(id,email)',
            ...(pageToken ? { pageToken } : {}),
          }),
        );
      } catch (e) {
        if (e instanceof ProviderError && e.status === 404) return null; // deleted since it was read
        throw e;
      }
      const groups = pages
        .flatMap((p) => p.groups ?? [])
        .filter((g) => typeof g.id === 'string')
        .map((g) => ({ id: g.id!, name: g.email ?? g.id! }));
      return { account: toObservedAccount(user), groups };
    });
  }

  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(this, change, {
      suspend: (a) => this.suspend(a),
      revoke_sessions: (a) => this.signOut(a),
      revoke_tokens: (a) => this.revokeTokens(a),
      reset_factors: (a) => this.turnOff2sv(a),
      add_member: (g, a) => this.addMember(g, a),
      remove_member: (g, a) => this.removeMember(g, a),
      transfer_ownership: (a, c) => this.transfers.transfer(a, c.transferTo),
      delete: (a) => this.delete(a),
    });
  }

  async close(): Promise<void> {}

  private getUser(id: string, fields: string) {
    return this.api.call('users.get', () => this.api.directory.users.get({ userKey: id, fields }), [404]);
  }

  /**
   * An archived user (an Archived User licence) cannot sign in: it is contained as a
   * suspended one is, and observed `suspended` too (see mapping.ts), so it is already done.
   */
  private async suspend(id: string): Promise<ApplyOutcome> {
    const user = await this.getUser(id, 'id,suspended,archived');
    if (!user) return gone();
    if (user.suspended) return { result: 'already', before: { suspended: true }, after: { suspended: true } };
    if (user.archived) {
      return { result: 'already', before: { archived: true }, after: { archived: true }, detail: 'the account is archived: it cannot sign in' };
    }
    // users.update has patch semantics: only `suspended` changes.
    const after = await this.api.call(
      'users.update',
      () => this.api.directory.users.update({ userKey: id, fields: 'id,suspended', requestBody: { suspended: true } }),
      [404],
    );
    if (!after) return gone();
    if (after.suspended !== true) throw new ProviderError(this.name, `users.update ${id}: the service accepted the change but the account is not suspended`);
    return { result: 'ok', before: { suspended: false }, after: { suspended: true } };
  }

  /** Sessions cannot be read back, so an existing user is always signed out again (harmless). */
  private async signOut(id: string): Promise<ApplyOutcome> {
    if (!(await this.getUser(id, 'id'))) return gone();
    const res = await this.api.callStatus('users.signOut', () => this.api.directory.users.signOut({ userKey: id }), [404]);
    if (res.status === 404) return gone();
    return { result: 'ok', detail: 'signed out of every web and device session' };
  }

  /** OAuth tokens and app passwords are deleted one by one; backup codes invalidated. */
  private async revokeTokens(id: string): Promise<ApplyOutcome> {
    const d = this.api.directory;
    const tokens = await this.api.call('tokens.list', () => d.tokens.list({ userKey: id, fields: 'items(clientId)' }), [404]);
    if (!tokens) return gone();
    const asps = await this.api.call('asps.list', () => d.asps.list({ userKey: id, fields: 'items(codeId)' }), [404]);
    const codes = await this.api.call('verificationCodes.list', () => d.verificationCodes.list({ userKey: id, fields: 'items(verificationCode)' }), [404]);
    if (!asps || !codes) return gone();
    const clientIds = (tokens.items ?? []).map((t) => t.clientId).filter((c): c is string => typeof c === 'string');
    const codeIds = (asps.items ?? []).map((a) => a.codeId).filter((c): c is number => typeof c === 'number');
    const backupCodes = (codes.items ?? []).length;
    const before = { tokens: clientIds.length, appPasswords: codeIds.length, backupCodes };
    if (!clientIds.length && !codeIds.length && !backupCodes) return { result: 'already', before, after: before };
    for (const clientId of clientIds) await this.api.call('tokens.delete', () => d.tokens.delete({ userKey: id, clientId }), [404]);
    for (const codeId of codeIds) await this.api.call('asps.delete', () => d.asps.delete({ userKey: id, codeId }), [404]);
    if (backupCodes) await this.api.call('verificationCodes.invalidate', () => d.verificationCodes.invalidate({ userKey: id }), [404]);
    return { result: 'ok', before, after: { tokens: 0, appPasswords: 0, backupCodes: 0 } };
  }

  private async turnOff2sv(id: string): Promise<ApplyOutcome> {
    const user = await this.getUser(id, 'id,isEnrolledIn2Sv');
    if (!user) return gone();
    if (!user.isEnrolledIn2Sv) return { result: 'already', before: { enrolledIn2Sv: false }, after: { enrolledIn2Sv: false } };
    const res = await this.api.callStatus('twoStepVerification.turnOff', () => this.api.directory.twoStepVerification.turnOff({ userKey: id }), [400, 404]);
    if (res.status === 404) return gone();
    if (res.status === 400) {
      // Refused because 2SV is off already (turned off meanwhile)? Decide on a fresh read.
      const now = await this.getUser(id, 'id,isEnrolledIn2Sv');
      if (!now) return gone();
      if (!now.isEnrolledIn2Sv) return { result: 'already', detail: '2-Step Verification was turned off meanwhile' };
      throw new ProviderError(
        this.name,
        `twoStepVerification.turnOff ${id}: HTTP 400: the service refused to turn off 2-Step Verification (is it enforced for the user's organizational unit?)`,
        { status: 400 },
      );
    }
    return { result: 'ok', before: { enrolledIn2Sv: true }, after: { enrolledIn2Sv: false } };
  }

  /** members.insert answers 409 duplicate when the user is already a direct member. */
  private async addMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const res = await this.api.callStatus(
      'members.insert',
      () => this.api.directory.members.insert({ groupKey: groupId, fields: 'id', requestBody: { id: accountId, role: 'MEMBER' } }),
      [409],
    );
    if (res.status === 409) return { result: 'already', before: { member: true }, after: { member: true } };
    return { result: 'ok', before: { member: false }, after: { member: true } };
  }

  /** members.delete answers 404 when the member (or the group) is already gone. */
  private async removeMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const res = await this.api.callStatus('members.delete', () => this.api.directory.members.delete({ groupKey: groupId, memberKey: accountId }), [404]);
    if (res.status === 404) return { result: 'already', before: { member: false }, after: { member: false } };
    return { result: 'ok', before: { member: true }, after: { member: false } };
  }

  /**
   * Deleting a user deletes its Drive and Calendar data with it, so delete is applied only
   * to a suspended (or archived) user whose data a completed transfer has handed over.
   */
  private async delete(id: string): Promise<ApplyOutcome> {
    const user = await this.getUser(id, 'id,suspended,archived');
    if (!user) return gone();
    if (!user.suspended && !user.archived) throw new ProviderError(this.name, `refusing to delete active account ${id}: delete is only applied to a suspended account`);
    if (!(await this.transfers.hasCompleted(id))) {
      throw new ProviderError(
        this.name,
        `refusing to delete account ${id}: no completed transfer of its Drive and Calendar data (transfer_ownership must complete first)`,
      );
    }
    const res = await this.api.callStatus('users.delete', () => this.api.directory.users.delete({ userKey: id }), [404]);
    if (res.status === 404) return gone();
    return { result: 'ok', before: { exists: true, ...(user.suspended ? { suspended: true } : { archived: true }) }, after: { exists: false } };
  }
}

function gone(): ApplyOutcome {
  return { result: 'already', detail: 'the account no longer exists' };
}
