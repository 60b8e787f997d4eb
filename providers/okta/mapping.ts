import type { ObservedAccount, ObservedGroup } from '../../src/types/index.js';

/** Okta's user statuses (Users API `status`). */
export const OKTA_USER_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'SUSPENDED', 'DEPROVISIONED'] as const;
export type OktaUserStatus = (typeof OKTA_USER_STATUSES)[number];

/**
 * A filter matching users in every status, so one listing returns them all: the plain
 * listing leaves DEPROVISIONED users out. `filter` rather than `search` because search
 * reads an eventually consistent index, and an observation right after apply must see
 * the changes just made.
 */
export const ALL_STATUSES_FILTER = OKTA_USER_STATUSES.map((s) => `status eq "${s}"`).join(' or ');

/**
 * Okta status → Lockstep status. Only SUSPENDED and DEPROVISIONED users are cut off by
 * an administrator. Every other status still holds access or regains it without one:
 * ACTIVE signs in; PASSWORD_EXPIRED, LOCKED_OUT and RECOVERY sign in again after a
 * self-service reset or unlock; STAGED and PROVISIONED finish activation from an email
 * link. Counting them `active` keeps a leaver in any of them from being missed.
 */
export function observedStatus(status: string | undefined): ObservedAccount['status'] {
  if (status === 'SUSPENDED') return 'suspended';
  if (status === 'DEPROVISIONED') return 'deprovisioned';
  return 'active';
}

/** The subset of the SDK's User model Lockstep reads. Dates arrive as Date objects from the SDK. */
export interface OktaUserLike {
  id?: string;
  status?: string;
  created?: Date | string;
  lastLogin?: Date | string | null;
  profile?: {
    login?: string;
    email?: string | null;
    secondEmail?: string | null;
    employeeNumber?: string | null;
    displayName?: string | null;
    firstName?: string | null;
    lastName?: string | null;
  };
}

export interface OktaGroupLike {
  id?: string;
  profile?: { name?: string };
}

function isoOf(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function toObservedAccount(user: OktaUserLike & { id: string }): ObservedAccount {
  const p = user.profile ?? {};
  const emails = [...new Set([p.email, p.secondEmail].filter((e): e is string => typeof e === 'string' && e !== ''))];
  const displayName = p.displayName || [p.firstName, p.lastName].filter(Boolean).join(' ') || undefined;
  const createdAt = isoOf(user.created);
  const lastLoginAt = isoOf(user.lastLogin);
  return {
    id: user.id,
    login: p.login ?? emails[0] ?? user.id,
    status: observedStatus(user.status),
    ...(emails.length ? { emails } : {}),
    ...(p.employeeNumber ? { externalId: p.employeeNumber } : {}),
    ...(displayName ? { displayName } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(lastLoginAt ? { lastLoginAt } : {}),
  };
}

export function toObservedGroup(group: OktaGroupLike & { id: string }, members: string[]): ObservedGroup {
  return { id: group.id, name: group.profile?.name ?? group.id, members: [...new Set(members)] };
}
