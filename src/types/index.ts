/**
 * Plain data at the boundaries: the generated schema types, re-exported with the
 * short names the engine uses.
 */
export type * from './generated.js';
import type { Finding, JournalRecord, LifecycleStage, ObservedAccount, PlanChange, ProviderConnection } from './generated.js';

export type ChangeAction = PlanChange['action'];
export type ChangeKind = PlanChange['reason']['kind'];
export type FindingKind = Finding['kind'];
export type AccountStatus = ObservedAccount['status'];
export type Tier = PlanChange['tier'];
export type ProviderType = ProviderConnection['type'];
/** Lifecycle stage actions: the change actions that act on accounts, plus the pseudo-actions. */
export type LifecycleAction = LifecycleStage['actions'][number];
export type ApplyResult = NonNullable<JournalRecord['result']>;

/** 1.1: policy.repository, policy.path, signature. 1.2: baseline (what the guard counts against). */
export const PLAN_FORMAT_VERSION = '1.2';
export const SNAPSHOT_FORMAT_VERSION = '1.0';
