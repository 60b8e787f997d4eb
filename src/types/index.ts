/**
 * Plain data at the boundaries: the generated schema types, re-exported with the
 * short names the engine uses.
 */
export type * from './generated.js';
import type { PlanChange, Finding, ObservedAccount } from './generated.js';

export type ChangeAction = PlanChange['action'];
export type ChangeKind = PlanChange['reason']['kind'];
export type FindingKind = Finding['kind'];
export type AccountStatus = ObservedAccount['status'];
export type Tier = PlanChange['tier'];
export type ProviderType = 'okta' | 'google' | 'entra' | 'kubernetes' | 'scim' | 'manual';
/** Lifecycle stage actions: the change actions that act on accounts, plus the pseudo-actions. */
export type LifecycleAction =
  | 'suspend'
  | 'revoke_sessions'
  | 'revoke_tokens'
  | 'reset_factors'
  | 'remove_all_groups'
  | 'transfer_ownership'
  | 'delete'
  | 'flag'
  | 'task';
export type ApplyResult = 'ok' | 'already' | 'failed' | 'stale' | 'halted' | 'pending' | 'skipped';

export const PLAN_FORMAT_VERSION = '1.0';
export const SNAPSHOT_FORMAT_VERSION = '1.0';
