import type { admin_directory_v1 } from '@googleapis/admin';
import type { ObservedAccount } from '../../src/types/index.js';

/**
 * Directory API users → Lockstep's observed form. A deleted user is not listed, so an
 * account is `active`, or `suspended` when suspended or archived: an archived user holds
 * an Archived User licence and cannot sign in, whatever its `suspended` says
 * (https://support.google.com/a/answer/9048836), so it is contained as a suspended one is.
 */

/** lastLoginTime of a user who never signed in (the epoch; not a sign-in in 1970). */
export const NEVER_SIGNED_IN = '1970-01-01T00:00:00.000Z';

/** The fields observe asks for (partial response), and the only ones this mapping reads. */
export const USER_FIELDS = 'id,primaryEmail,name/fullName,suspended,archived,emails,aliases,nonEditableAliases,externalIds,lastLoginTime,creationTime,isEnrolledIn2Sv';

/** Addresses, primary first, then aliases and other addresses; without duplicates (case-insensitive). */
function emailsOf(u: admin_directory_v1.Schema$User): string[] {
  const listed = Array.isArray(u.emails) ? (u.emails as { address?: unknown }[]).map((e) => e?.address) : [];
  const all = [u.primaryEmail, ...(u.aliases ?? []), ...(u.nonEditableAliases ?? []), ...listed];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of all) {
    if (typeof e !== 'string' || e === '' || seen.has(e.toLowerCase())) continue;
    seen.add(e.toLowerCase());
    out.push(e);
  }
  return out;
}

function externalIdOf(u: admin_directory_v1.Schema$User): string | undefined {
  const ids = Array.isArray(u.externalIds) ? (u.externalIds as { value?: unknown; type?: unknown }[]) : [];
  const id = ids.find((x) => x?.type === 'organization' && typeof x.value === 'string');
  return id?.value as string | undefined;
}

export function toObservedAccount(u: admin_directory_v1.Schema$User): ObservedAccount {
  const emails = emailsOf(u);
  const externalId = externalIdOf(u);
  const displayName = u.name?.fullName;
  const lastLogin = u.lastLoginTime;
  return {
    id: u.id!,
    login: u.primaryEmail ?? emails[0] ?? u.id!,
    status: u.suspended === true || u.archived === true ? 'suspended' : 'active',
    ...(emails.length ? { emails } : {}),
    ...(externalId ? { externalId } : {}),
    ...(displayName ? { displayName } : {}),
    ...(u.creationTime ? { createdAt: u.creationTime } : {}),
    ...(lastLogin ? { lastLoginAt: lastLogin === NEVER_SIGNED_IN ? null : lastLogin } : {}),
    ...(typeof u.isEnrolledIn2Sv === 'boolean' ? { factors: u.isEnrolledIn2Sv ? 1 : 0 } : {}),
  };
}
