import type { ObservedAccount } from '../../src/types/index.js';

/** A Graph user as read with USER_SELECT (and as kept between delta rounds). */
export interface GraphUser {
  id: string;
  userPrincipalName?: string | null;
  mail?: string | null;
  otherMails?: string[] | null;
  proxyAddresses?: string[] | null;
  accountEnabled?: boolean | null;
  employeeId?: string | null;
  displayName?: string | null;
  createdDateTime?: string | null;
  signInActivity?: { lastSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null } | null;
}

/** Properties delta queries return (signInActivity is not available through delta). */
export const USER_DELTA_SELECT = ['id', 'userPrincipalName', 'mail', 'otherMails', 'proxyAddresses', 'accountEnabled', 'employeeId', 'displayName', 'createdDateTime'];
export const USER_SELECT = [...USER_DELTA_SELECT, 'signInActivity'];

/**
 * Login is the userPrincipalName; emails are mail, otherMails and the SMTP proxy
 * addresses (primary `SMTP:` and secondary `smtp:`), lowercased and without repeats;
 * a disabled sign-in (accountEnabled false) is `suspended`; employeeId is the HR id.
 */
export function toObservedAccount(u: GraphUser): ObservedAccount {
  const smtp = (u.proxyAddresses ?? []).filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5));
  const emails = [...new Set([u.mail, ...(u.otherMails ?? []), ...smtp].filter((x): x is string => typeof x === 'string' && x !== '').map((x) => x.toLowerCase()))];
  const sign = u.signInActivity;
  return {
    id: u.id,
    login: u.userPrincipalName ?? u.id,
    emails,
    status: u.accountEnabled === false ? 'suspended' : 'active',
    externalId: u.employeeId ?? null,
    displayName: u.displayName ?? null,
    createdAt: u.createdDateTime ?? null,
    lastLoginAt: sign?.lastSignInDateTime ?? sign?.lastSuccessfulSignInDateTime ?? null,
  };
}
