import type { User } from './store.js';
import { applySelect } from './wire.js';

/** Graph's rendering of the directory's objects, shared by the resource endpoints and the delta feeds. */

const DEFAULT_USER_PROPERTIES = ['displayName', 'mail', 'userPrincipalName'];

/** A user with the properties `$select` names (Graph's default set when absent). */
export function userResource(u: User, select: string[] | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    mail: u.mail,
    otherMails: u.otherMails,
    proxyAddresses: u.proxyAddresses,
    accountEnabled: u.accountEnabled,
    employeeId: u.employeeId,
    createdDateTime: u.createdDateTime,
    assignedLicenses: u.assignedLicenses,
    signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime,
    signInActivity: { lastSignInDateTime: u.lastSignInDateTime, lastSuccessfulSignInDateTime: u.lastSignInDateTime },
  };
  return applySelect(full, select ?? DEFAULT_USER_PROPERTIES);
}
