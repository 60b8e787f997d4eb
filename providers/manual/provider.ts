import { isAbsolute, relative, resolve } from 'node:path';
import type { ApplyOutcome, Provider, ProviderContext } from '../../src/provider/provider.js';
import type { ObservedProvider, PlanChange } from '../../src/types/index.js';
import { readInventory } from './inventory.js';
import type { TaskBook } from '../../src/state/tasks.js';

/**
 * An app with no API. It is observed from the inventory its owner keeps (or not at all),
 * and every change is a task for the owner: written to the task book and `pending`
 * until a Confirmation document names its change id, then `ok`.
 */
export class ManualProvider implements Provider {
  readonly type = 'manual' as const;

  constructor(
    readonly name: string,
    private readonly inventory: string | undefined,
    private readonly tasks: TaskBook,
    private readonly ctx: Pick<ProviderContext, 'policyDir' | 'confirmations'>,
  ) {}

  async observe(): Promise<ObservedProvider> {
    const observedAt = new Date().toISOString();
    if (!this.inventory) return { type: 'manual', observedAt, accounts: [], groups: [] };
    const file = isAbsolute(this.inventory) ? this.inventory : resolve(this.ctx.policyDir, this.inventory);
    const shownAs = relative(this.ctx.policyDir, file) || file;
    return { ...(await readInventory(file, shownAs)), observedAt };
  }

  /**
   * Planning turns every manual change into a `task`; a change with another action is
   * handed out the same way, since nothing here is done through an API.
   */
  apply(change: PlanChange): Promise<ApplyOutcome> {
    return this.tasks.apply(change, this.ctx.confirmations);
  }

  async close(): Promise<void> {}
}
