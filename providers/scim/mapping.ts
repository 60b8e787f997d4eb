import type { ObservedAccount, ObservedGroup } from '../../src/types/index.js';
import type { ScimGroup, ScimUser } from './schema.js';

/**
 * SCIM resources → Lockstep's observed form. SCIM has no "deprovisioned" state: a
 * removed user is gone, so accounts are `active` or (active=false) `suspended`.
 */

/** `active` absent means enabled; a string "false" (sent by some services) is tolerated. */
export function isInactive(user: Pick<ScimUser, 'active'>): boolean {
  const active: unknown = user.active;
  return active === false || (typeof active === 'string' && active.toLowerCase() === 'false');
}

/**
 * The last sign-in, where a service exposes one: SCIM core has none, so only an
 * extension attribute named like lastLogin / lastSignIn / lastLogon is read.
 */
function lastLoginOf(user: ScimUser): string | undefined {
  for (const [key, value] of Object.entries(user)) {
    if (!key.startsWith('urn:') || value === null || typeof value !== 'object') continue;
    for (const [attr, v] of Object.entries(value as Record<string, unknown>)) {
      if (/^last(login|signin|logon)/i.test(attr) && typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
    }
  }
  return undefined;
}

/** Email values, primary first, without duplicates. */
function emailsOf(user: ScimUser): string[] {
  const list = (user.emails ?? []).filter((e) => typeof e?.value === 'string' && e.value !== '');
  const ordered = [...list.filter((e) => e.primary === true), ...list.filter((e) => e.primary !== true)];
  return [...new Set(ordered.map((e) => e.value as string))];
}

export function toObservedAccount(user: ScimUser): ObservedAccount {
  const emails = emailsOf(user);
  const lastLoginAt = lastLoginOf(user);
  const displayName = user.displayName ?? user.name?.formatted;
  return {
    id: user.id,
    login: user.userName ?? emails[0] ?? user.id,
    status: isInactive(user) ? 'suspended' : 'active',
    ...(emails.length ? { emails } : {}),
    ...(user.externalId ? { externalId: user.externalId } : {}),
    ...(displayName ? { displayName } : {}),
    ...(user.meta?.created ? { createdAt: user.meta.created } : {}),
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
}

/** Member values that are users; nested groups are not accounts and are left out. */
export function toObservedGroup(group: ScimGroup, groupIds: ReadonlySet<string>): ObservedGroup {
  const members = (group.members ?? []).filter((m) => typeof m?.value === 'string' && m.type !== 'Group' && !groupIds.has(m.value)).map((m) => m.value as string);
  return { id: group.id, name: group.displayName ?? group.id, members: [...new Set(members)] };
}

export function isMember(group: ScimGroup, accountId: string): boolean {
  return (group.members ?? []).some((m) => m?.value === accountId);
}
