import type { JournalHistory } from '../journal/history.js';
import type { ChangeAction, ObservedAccount, ObservedProvider, PlanChange } from '../types/index.js';

/**
 * What a fresh observation says about one change: apply it, record it as already done
 * without calling the provider, or refuse it as stale because the world moved since the
 * plan was made.
 */
export type PreconditionVerdict = { verdict: 'apply' } | { verdict: 'already' | 'stale'; detail: string };

export interface PreconditionContext {
  history: JournalHistory;
  /** Effects this provider cannot show; their completion is read from the journal. */
  unobservable: ReadonlySet<ChangeAction>;
  /**
   * When the plan's precondition carries no `notDoneSince`, an unobservable effect
   * recorded done at or after this time (the plan's creation) is not repeated.
   */
  fallbackSinceMs: number;
  /**
   * The observation read only the changes' accounts (Provider.observeAccounts): a group
   * missing from it is one none of them belongs to, not a group that no longer exists.
   */
  accountsOnly?: boolean;
}

/**
 * Re-checks a change against the observation taken at the start of the provider's run.
 * The order matters: journal-only effects first (nothing to observe), then the target's
 * existence, then "already in the end state" (which wins over a failed precondition:
 * suspending an account someone already deprovisioned is done, not stale), and only then
 * the plan's own precondition.
 */
export function checkPrecondition(change: PlanChange, observed: ObservedProvider, ctx: PreconditionContext): PreconditionVerdict {
  const pre = change.precondition;
  if (pre.notDoneSince || ctx.unobservable.has(change.action)) {
    const since = pre.notDoneSince ? Date.parse(pre.notDoneSince) : ctx.fallbackSinceMs;
    if (!Number.isNaN(since) && ctx.history.doneSince(change.id, since)) {
      return { verdict: 'already', detail: `recorded done in the journal since ${new Date(since).toISOString()}` };
    }
  }

  const accountRef = change.target.account;
  const account = accountRef ? observed.accounts.find((a) => a.id === accountRef.id) : undefined;
  if (accountRef && !account) {
    if (change.action === 'delete') return { verdict: 'already', detail: `account ${accountRef.login} no longer exists` };
    return { verdict: 'stale', detail: `account ${accountRef.login} (${accountRef.id}) no longer exists` };
  }
  const groupRef = change.target.group;
  const group = groupRef ? observed.groups.find((g) => g.id === groupRef.id) : undefined;
  if (groupRef && !group && !ctx.accountsOnly) return { verdict: 'stale', detail: `group ${groupRef.name} (${groupRef.id}) no longer exists` };
  const isMember = account && groupRef ? (group?.members.includes(account.id) ?? false) : undefined;

  const done = endStateReached(change.action, account, isMember);
  if (done) return { verdict: 'already', detail: done };

  if (account && pre.accountStatus && pre.accountStatus.length > 0 && !pre.accountStatus.includes(account.status)) {
    return {
      verdict: 'stale',
      detail: `account ${account.login} is now ${account.status}; the plan expected ${pre.accountStatus.join(' or ')}`,
    };
  }
  if (pre.member !== undefined && isMember !== undefined && pre.member !== isMember) {
    return {
      verdict: 'stale',
      detail: `${account?.login} is ${isMember ? 'now' : 'no longer'} a member of ${groupRef?.name}; the plan expected ${pre.member ? 'a member' : 'not a member'}`,
    };
  }
  return { verdict: 'apply' };
}

/** Why the target already holds the change's end state, or null. */
function endStateReached(action: ChangeAction, account: ObservedAccount | undefined, isMember: boolean | undefined): string | null {
  switch (action) {
    case 'suspend':
      return account && account.status !== 'active' ? `account ${account.login} is already ${account.status}` : null;
    case 'remove_member':
      return isMember === false ? `${account?.login} is not a member` : null;
    case 'add_member':
      return isMember === true ? `${account?.login} is already a member` : null;
    case 'revoke_tokens':
      return account?.tokens === 0 ? `account ${account.login} holds no tokens` : null;
    case 'reset_factors':
      return account?.factors === 0 ? `account ${account.login} has no factors enrolled` : null;
    default:
      return null;
  }
}
