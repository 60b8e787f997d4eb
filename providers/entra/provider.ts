import { ProviderError } from '../../src/errors.js';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, ObserveOptions, Provider } from '../../src/provider/provider.js';
import type { ObservedProvider, PlanChange } from '../../src/types/index.js';
import type { GraphApi } from './graph.js';
import type { EntraObserver } from './observe.js';

/** Type-specific endpoints of deletable authentication methods (the password method cannot be deleted). */
export const METHOD_ENDPOINTS: Readonly<Record<string, string>> = {
  '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
  '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
  '#microsoft.graph.softwareOathAuthenticationMethod': 'softwareOathMethods',
  '#microsoft.graph.emailAuthenticationMethod': 'emailMethods',
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'temporaryAccessPassMethods',
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'windowsHelloForBusinessMethods',
};

/** What Entra does through Microsoft Graph; ownership transfer is not a Graph operation. */
export const ENTRA_CAPABILITIES = declareCapabilities({
  automated: ['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors', 'add_member', 'remove_member', 'delete'],
});

const enc = encodeURIComponent;
const gone = (): ApplyOutcome => ({ result: 'already', detail: 'the account no longer exists' });

/**
 * Microsoft Entra through Microsoft Graph v1.0. Every apply reads its target first or
 * relies on an answer that says the effect holds (400 "added object references already
 * exist" for a member already there, 404 for one already gone), so a rerun after any
 * failure returns `already`. Requests of concurrent applies share JSON batches.
 */
export class EntraProvider implements Provider {
  readonly type = 'entra' as const;
  readonly capabilities = ENTRA_CAPABILITIES;

  constructor(
    readonly name: string,
    private readonly api: GraphApi,
    private readonly observer: EntraObserver,
    private readonly graphRoot: string,
    private readonly onClose: () => void,
  ) {}

  observe(options?: ObserveOptions): Promise<ObservedProvider> {
    return this.observer.observe(options?.resync === true);
  }

  observeAccounts(ids: readonly string[]): Promise<ObservedProvider> {
    return this.observer.observeAccounts(ids);
  }

  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(this, change, {
      suspend: (a) => this.suspend(a),
      revoke_sessions: (a) => this.revokeSessions(a),
      revoke_tokens: (a) => this.revokeGrants(a),
      reset_factors: (a) => this.deleteMethods(a),
      add_member: (g, a) => this.addMember(g, a),
      remove_member: (g, a) => this.removeMember(g, a),
      delete: (a) => this.delete(a),
    });
  }

  async close(): Promise<void> {
    this.api.close();
    this.onClose();
  }

  private async getUser(id: string, select: string): Promise<{ accountEnabled?: boolean; assignedLicenses?: { skuId: string }[] } | undefined> {
    const res = await this.api.call<{ accountEnabled?: boolean; assignedLicenses?: { skuId: string }[] }>(
      `read user ${id}`,
      { method: 'GET', url: `/users/${enc(id)}?$select=${select}` },
      [404],
    );
    return res.status === 404 ? undefined : res.body;
  }

  private async suspend(id: string): Promise<ApplyOutcome> {
    const user = await this.getUser(id, 'id,accountEnabled');
    if (!user) return gone();
    if (user.accountEnabled === false) return { result: 'already', before: { accountEnabled: false }, after: { accountEnabled: false } };
    const res = await this.api.call(`disable user ${id}`, { method: 'PATCH', url: `/users/${enc(id)}`, body: { accountEnabled: false } }, [404]);
    if (res.status === 404) return gone();
    return { result: 'ok', before: { accountEnabled: true }, after: { accountEnabled: false } };
  }

  /**
<<<<<<< HEAD
   * Sessions cannot be read back, so an existing user's sign-in sessions are always revoked again (harmless).
   * The action takes no request body (https://learn.microsoft.com/graph/api/user-revokesigninsessions).
=======
   * POST /users/{id}/revokeSignInSessions answers 200 { value: true } and invalidates the
   * user's refresh tokens and session cookies by moving signInSessionsValidFromDateTime to
   * now (https://learn.microsoft.com/graph/api/user-revokesigninsessions). Graph cannot say
   * whether sessions were issued since the last revocation (that time says when, not
   * whether the user signed in after it), so the result is always `ok` and a rerun revokes
   * again, which is harmless; the journal keeps a done revocation from being repeated.
>>>>>>> behave-b
   */
  private async revokeSessions(id: string): Promise<ApplyOutcome> {
    const res = await this.api.call(`revoke sign-in sessions of ${id}`, { method: 'POST', url: `/users/${enc(id)}/revokeSignInSessions` }, [404]);
    if (res.status === 404) return gone();
    return { result: 'ok', detail: 'refresh tokens and session cookies invalidated' };
  }

  /** Delegated permission grants the user consented to, deleted one by one. */
  private async revokeGrants(id: string): Promise<ApplyOutcome> {
    const filter = enc(`principalId eq '${id.replace(/'/g, "''")}'`);
    const res = await this.api.call<{ value?: { id: string }[] }>(`list permission grants of ${id}`, { method: 'GET', url: `/oauth2PermissionGrants?$filter=${filter}` });
    const grants = res.body?.value ?? [];
    if (grants.length === 0) return { result: 'already', before: { grants: 0 }, after: { grants: 0 } };
    await Promise.all(grants.map((g) => this.api.call(`delete permission grant ${g.id}`, { method: 'DELETE', url: `/oauth2PermissionGrants/${enc(g.id)}` }, [404])));
    return { result: 'ok', before: { grants: grants.length }, after: { grants: 0 } };
  }

  /**
   * Every deletable authentication method, through its type's endpoint; the password stays.
   * Graph refuses to delete the default multifactor method while the user has others
   * (https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete) and v1.0 does
   * not say which it is, so a method refused with 400 is deleted again after the others.
   */
  private async deleteMethods(id: string): Promise<ApplyOutcome> {
    const res = await this.api.call<{ value?: { id: string; '@odata.type'?: string }[] }>(
      `list authentication methods of ${id}`,
      { method: 'GET', url: `/users/${enc(id)}/authentication/methods` },
      [404],
    );
    if (res.status === 404) return gone();
    const methods = (res.body?.value ?? []).filter((m) => m['@odata.type'] && METHOD_ENDPOINTS[m['@odata.type']]);
    if (methods.length === 0) return { result: 'already', before: { methods: 0 }, after: { methods: 0 } };
    const remove = (m: (typeof methods)[number], accept: readonly number[]) => {
      const segment = METHOD_ENDPOINTS[m['@odata.type']!]!;
      return this.api.call(`delete ${segment} ${m.id} of ${id}`, { method: 'DELETE', url: `/users/${enc(id)}/authentication/${segment}/${enc(m.id)}` }, accept);
    };
    const refused: typeof methods = [];
    for (const m of methods) if ((await remove(m, [400, 404])).status === 400) refused.push(m);
    for (const m of refused) await remove(m, [404]);
    return { result: 'ok', before: { methods: methods.length }, after: { methods: 0 } };
  }

  private async addMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const body = { '@odata.id': `${this.graphRoot}/v1.0/directoryObjects/${accountId}` };
    const res = await this.api.call<{ error?: { message?: string } }>(
      `add ${accountId} to group ${groupId}`,
      { method: 'POST', url: `/groups/${enc(groupId)}/members/$ref`, body },
      [400],
    );
    if (res.status === 400) {
      if (/already exist/i.test(res.body?.error?.message ?? '')) return { result: 'already', before: { member: true }, after: { member: true } };
      throw this.api.failures.fromAnswer(`add ${accountId} to group ${groupId}`, 400, null, res.body);
    }
    return { result: 'ok', before: { member: false }, after: { member: true } };
  }

  private async removeMember(groupId: string, accountId: string): Promise<ApplyOutcome> {
    const res = await this.api.call(
      `remove ${accountId} from group ${groupId}`,
      { method: 'DELETE', url: `/groups/${enc(groupId)}/members/${enc(accountId)}/$ref` },
      [404],
    );
    if (res.status === 404) return { result: 'already', before: { member: false }, after: { member: false } };
    return { result: 'ok', before: { member: true }, after: { member: false } };
  }

  /** Only a disabled account is deleted; its licences are released first so they return to the pool at once. */
  private async delete(id: string): Promise<ApplyOutcome> {
    const user = await this.getUser(id, 'id,accountEnabled,assignedLicenses');
    if (!user) return gone();
    if (user.accountEnabled !== false) throw new ProviderError(this.name, `refusing to delete active account ${id}: delete is only applied to a disabled account`);
    const skus = (user.assignedLicenses ?? []).map((l) => l.skuId);
    if (skus.length)
      await this.api.call(`remove licences of ${id}`, { method: 'POST', url: `/users/${enc(id)}/assignLicense`, body: { addLicenses: [], removeLicenses: skus } });
    const res = await this.api.call(`delete user ${id}`, { method: 'DELETE', url: `/users/${enc(id)}` }, [404]);
    if (res.status === 404) return gone();
    return { result: 'ok', before: { exists: true, accountEnabled: false, licences: skus.length }, after: { exists: false } };
  }
}
