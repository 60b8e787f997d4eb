/**
 * OAuth scopes of the Admin SDK (https://developers.google.com/identity/protocols/oauth2/scopes#admin).
 * The provider asks for the least that covers what it does; an administrator grants
 * exactly these to the service account's client ID under domain-wide delegation.
 */
const BASE = 'https://www.googleapis.com/auth/';

export const SCOPE = {
  /** users.list/get/update/delete: observe, suspend, delete. */
  user: `${BASE}admin.directory.user`,
  userReadonly: `${BASE}admin.directory.user.readonly`,
  /** users.signOut, tokens.*, asps.*, verificationCodes.*, twoStepVerification.turnOff. */
  userSecurity: `${BASE}admin.directory.user.security`,
  group: `${BASE}admin.directory.group`,
  /** groups.list: observe groups (membership changes need no write access to groups). */
  groupReadonly: `${BASE}admin.directory.group.readonly`,
  /** members.list/insert/delete: observe and change memberships. */
  groupMember: `${BASE}admin.directory.group.member`,
  groupMemberReadonly: `${BASE}admin.directory.group.member.readonly`,
  /** applications.list, transfers.insert/get/list: Drive and Calendar transfers. */
  dataTransfer: `${BASE}admin.datatransfer`,
  dataTransferReadonly: `${BASE}admin.datatransfer.readonly`,
} as const;

/** What the provider requests to apply changes. */
export const PROVIDER_SCOPES: readonly string[] = [SCOPE.user, SCOPE.userSecurity, SCOPE.groupReadonly, SCOPE.groupMember, SCOPE.dataTransfer];

/** What it requests to observe only (plan, observe): a delegation of just these can change nothing. */
export const OBSERVE_SCOPES: readonly string[] = [SCOPE.userReadonly, SCOPE.groupReadonly, SCOPE.groupMemberReadonly];
