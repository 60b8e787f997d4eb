import type { Policy } from '../policy/model.js';
import type { Roster } from '../roster/model.js';
import type { PendingEvent } from '../roster/hr-overlay.js';
import type { PlanChange, Snapshot } from '../types/index.js';
import type { PlanningProviders } from '../types/capabilities.js';
import type { JournalHistory } from '../journal/history.js';
import type { Attribution, PolicyOrigin } from '../types/provenance.js';
import type { Authorship } from '../policy/git-authorization.js';

/**
 * Everything a plan depends on. Planning is a pure function of these: no clock, no
 * file system, no network; `now` is the only time.
 */
export interface PlanInputs {
  readonly policy: Policy;
  /** The repository and folder the policy was read from, recorded in the plan so apply can refuse a plan from elsewhere; not recorded when absent. */
  readonly origin?: PolicyOrigin;
  readonly roster: Roster;
  /** What each configured provider can do and who takes its manual work (from the provider modules and Config). */
  readonly providers: PlanningProviders;
  readonly snapshot: Snapshot;
  readonly now: Date;
  readonly history: JournalHistory;
  /** HR events accepted by the controller that the roster does not reflect yet, already laid over `roster`; named in the plan. */
  readonly hrEvents?: readonly PendingEvent[];
  /** Wall-clock creation time written to the plan (not part of the checksum). Defaults to now. */
  readonly createdAt?: Date;
  /** The commit behind a cited policy line (`file:line`), from Git blame; none when absent. */
  readonly attribute?: Attribution;
  /** Who last changed each Approval and Exception, from Git; needed when Config names approvers. */
  readonly authorship?: Authorship;
  /**
   * Keep only the changes this accepts, before the guard runs (the controller's HR fast
   * path plans just the containment of pending leavers); every change when absent.
   */
  readonly scope?: (change: PlanChange) => boolean;
}
