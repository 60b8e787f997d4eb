import { ProviderError } from '../../src/errors.js';
import { capabilitiesOf } from '../../providers/registry.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { ProviderCapabilities } from '../../src/types/capabilities.js';
import type { ObservedAccount, ObservedProvider, PlanChange, ProviderType } from '../../src/types/index.js';

export interface FakeFailure {
  /** How many calls fail before the change goes through; Infinity for always. */
  times: number;
  transient: boolean;
  status?: number;
  retryAfterMs?: number;
  message?: string;
}

export interface FakeGroup {
  id: string;
  name: string;
  members: string[];
}

/**
 * An in-memory identity system that keeps state and behaves like a real provider:
 * idempotent `apply` (an effect already in place is `already`), observable effects
 * (status, memberships) and unobservable ones (sessions, tokens, factors, transfers)
 * that it simply performs again when asked. It counts every effect it performs so tests
 * can prove no effect is duplicated, and tracks calls in flight.
 */
export class FakeProvider implements Provider {
  readonly type: ProviderType;
  /** Those of the real provider of its type. */
  readonly capabilities: ProviderCapabilities;
  readonly accounts = new Map<string, ObservedAccount>();
  readonly groups = new Map<string, { id: string; name: string; members: Set<string> }>();
  /** Every apply call in the order it arrived, retries included. */
  readonly calls: PlanChange[] = [];
  /** Every effect actually performed: `${action}:${changeId}`. */
  readonly effects: string[] = [];
  observeCalls = 0;
  inFlight = 0;
  maxInFlight = 0;
  delayMs: number;
  observeFailure: FakeFailure | null = null;
  private readonly failures = new Map<string, FakeFailure>();

  constructor(
    readonly name: string,
    world: { type?: ProviderType; accounts?: ObservedAccount[]; groups?: FakeGroup[]; delayMs?: number } = {},
  ) {
    this.type = world.type ?? 'okta';
    this.capabilities = capabilitiesOf({ type: this.type });
    this.delayMs = world.delayMs ?? 0;
    for (const a of world.accounts ?? []) this.accounts.set(a.id, { ...a });
    for (const g of world.groups ?? []) this.groups.set(g.id, { id: g.id, name: g.name, members: new Set(g.members) });
  }

  /** Makes the next `times` apply calls for this change fail. */
  failNext(changeId: string, failure: FakeFailure): void {
    this.failures.set(changeId, { ...failure });
  }

  effectsOf(changeId: string): number {
    return this.effects.filter((e) => e.endsWith(`:${changeId}`)).length;
  }

  async observe(): Promise<ObservedProvider> {
    this.observeCalls++;
    if (this.observeFailure && this.observeFailure.times-- > 0) throw this.error(this.observeFailure);
    return {
      type: this.type,
      accounts: [...this.accounts.values()].map((a) => ({ ...a })),
      groups: [...this.groups.values()].map((g) => ({ id: g.id, name: g.name, members: [...g.members] })),
    };
  }

  async apply(change: PlanChange): Promise<ApplyOutcome> {
    this.calls.push(change);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const failure = this.failures.get(change.id);
      if (failure && failure.times > 0) {
        failure.times--;
        throw this.error(failure);
      }
      return this.perform(change);
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {}

  private perform(change: PlanChange): ApplyOutcome {
    const effect = (): void => void this.effects.push(`${change.action}:${change.id}`);
    const accountId = change.target.account?.id;
    const account = accountId ? this.accounts.get(accountId) : undefined;
    if (accountId && !account && change.action !== 'delete') {
      throw new ProviderError(this.name, `account ${accountId} not found`, { status: 404 });
    }
    const group = change.target.group ? this.groups.get(change.target.group.id) : undefined;
    switch (change.action) {
      case 'suspend': {
        if (account!.status !== 'active') return { result: 'already' };
        account!.status = 'suspended';
        effect();
        return { result: 'ok', before: { status: 'active' }, after: { status: 'suspended' } };
      }
      case 'delete': {
        if (!account) return { result: 'already' };
        this.accounts.delete(account.id);
        for (const g of this.groups.values()) g.members.delete(account.id);
        effect();
        return { result: 'ok', before: { status: account.status }, after: null };
      }
      case 'add_member':
      case 'remove_member': {
        if (!group) throw new ProviderError(this.name, `group ${change.target.group?.id} not found`, { status: 404 });
        const adding = change.action === 'add_member';
        if (group.members.has(accountId!) === adding) return { result: 'already' };
        if (adding) group.members.add(accountId!);
        else group.members.delete(accountId!);
        effect();
        return { result: 'ok', before: { member: !adding }, after: { member: adding } };
      }
      case 'task':
        // Like every provider: manual work goes to the apply's task desk, never here.
        throw new ProviderError(this.name, `change ${change.id} is a manual task: the task desk hands it out, not the provider`);
      default:
        effect();
        return { result: 'ok' };
    }
  }

  private error(f: FakeFailure): ProviderError {
    return new ProviderError(this.name, f.message ?? (f.transient ? 'service unavailable' : 'forbidden'), {
      status: f.status ?? (f.transient ? 503 : 403),
      transient: f.transient,
      retryAfterMs: f.retryAfterMs,
    });
  }
}
