import { isAbsolute, relative, resolve } from 'node:path';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { ObservedProvider, PlanChange } from '../../src/types/index.js';
import { readInventory } from './inventory.js';

/** An app with no API automates nothing: every change is a task for its owner. */
export const MANUAL_CAPABILITIES = declareCapabilities({ automated: [] });

/**
 * An app with no API. It is observed from the inventory its owner keeps (or not at all).
 * Every change is planned as a task for the owner, which the apply hands to its task desk
 * like any other provider's: the provider itself carries out nothing.
 */
export class ManualProvider implements Provider {
  readonly type = 'manual' as const;
  readonly capabilities = MANUAL_CAPABILITIES;

  constructor(
    readonly name: string,
    private readonly inventory: string | undefined,
    private readonly policyDir: string,
  ) {}

  async observe(): Promise<ObservedProvider> {
    const observedAt = new Date().toISOString();
    if (!this.inventory) return { type: 'manual', observedAt, accounts: [], groups: [] };
    const file = isAbsolute(this.inventory) ? this.inventory : resolve(this.policyDir, this.inventory);
    const shownAs = relative(this.policyDir, file) || file;
    return { ...(await readInventory(file, shownAs)), observedAt };
  }

  /** Nothing is done through an API here: every change is refused (tasks go to the task desk). */
  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(this, change, {});
  }

  async close(): Promise<void> {}
}
