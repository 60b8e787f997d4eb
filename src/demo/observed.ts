import type { ObservedAccount, ObservedGroup, ObservedProvider, Snapshot } from '../types/index.js';
import { SNAPSHOT_FORMAT_VERSION } from '../types/index.js';
import type { ManualInventory } from './model.js';
import type { DemoPerson } from './people.js';
import type { ResolvedProvider } from './provider-styles.js';
import { createRandom, type Random } from './random.js';
import type { RoleModel } from './roles.js';
import { MinutesAgo, isoDateTime } from './time.js';

/** How often a generated account has gone unused for more than 90 days (the story sets 0 and places its own). */
export interface ObservationRates {
  readonly dormant: number;
  /** Members of the second unmanaged group (e.g. Beta Testers). */
  readonly optIn: number;
}

export const DEFAULT_OBSERVATION_RATES: ObservationRates = { dormant: 0.01, optIn: 0.05 };

export interface AccountFields {
  readonly lastLoginAt: string;
  readonly createdAt: string;
  /** The roster's employee id where the provider stores one; null for accounts made by hand. */
  readonly externalId?: string | null;
  readonly displayName: string;
}

/**
 * One provider being observed: accounts and groups, with the lookups the story needs
 * to edit them. Group order is managed groups in role order, then unmanaged ones.
 */
export class ObservedBuilder {
  readonly accounts: ObservedAccount[] = [];
  readonly groups = new Map<string, ObservedGroup>();
  private byLogin: Map<string, ObservedAccount> | undefined;

  constructor(
    readonly provider: ResolvedProvider,
    readonly r: Random,
    readonly now: Date,
    private readonly minutesAgo: MinutesAgo = new MinutesAgo(now),
  ) {}

  group(name: string): ObservedGroup {
    let g = this.groups.get(name);
    if (!g) {
      g = { id: this.provider.style.groupId(this.r, name), name, members: [] };
      this.groups.set(name, g);
    }
    return g;
  }

  /** A new active account; an inventory-kept provider keeps only id, login, status and last sign-in. */
  addAccount(login: string, fields: AccountFields): ObservedAccount {
    const id = this.provider.style.accountId(this.r, this.accounts.length, login);
    const account: ObservedAccount = this.provider.style.inventory
      ? { id, login, status: 'active', lastLoginAt: fields.lastLoginAt }
      : {
          id,
          login,
          emails: [login],
          status: 'active',
          lastLoginAt: fields.lastLoginAt,
          createdAt: fields.createdAt,
          ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}),
          displayName: fields.displayName,
        };
    this.accounts.push(account);
    this.byLogin?.set(login.toLowerCase(), account);
    return account;
  }

  /** Looks an account up by login; the index is built on first use (only the story needs it). */
  account(login: string): ObservedAccount | undefined {
    this.byLogin ??= new Map(this.accounts.map((a) => [a.login.toLowerCase(), a]));
    return this.byLogin.get(login.toLowerCase());
  }

  join(groupName: string, account: ObservedAccount): void {
    this.group(groupName).members.push(account.id);
  }

  /** An instant between `minDays` and `maxDays` before now, at a whole hour (account creation). */
  agoHours(minDays: number, maxDays: number): string {
    return this.minutesAgo.format(60 * this.r.int(minDays * 24, maxDays * 24));
  }

  /** An instant `days` (fractional) before now, at whole minutes. */
  ago(minDays: number, maxDays: number): string {
    return this.minutesAgo.format(this.r.int(Math.round(minDays * 1440), Math.round(maxDays * 1440)));
  }

  build(): ObservedProvider {
    return { type: this.provider.type, observedAt: isoDateTime(this.now.getTime()), accounts: this.accounts, groups: [...this.groups.values()] };
  }
}

/**
 * Accounts for everyone who still holds access and whose roles reach the provider,
 * members of exactly the groups their roles grant, plus the unmanaged groups every
 * app grows on its own. Linear in people × providers.
 */
export function observeProviders(
  people: readonly DemoPerson[],
  roles: RoleModel,
  providers: readonly ResolvedProvider[],
  now: Date,
  seed: number,
  rates: ObservationRates,
): Map<string, ObservedBuilder> {
  const builders = new Map<string, ObservedBuilder>();
  const minutesAgo = new MinutesAgo(now);
  for (const provider of providers) {
    const b = new ObservedBuilder(provider, createRandom(seed, `provider:${provider.name}`), now, minutesAgo);
    for (const name of roles.managedGroups(provider.name)) b.group(name);
    const [allStaff, optIn] = provider.unmanagedGroups;
    for (const name of provider.unmanagedGroups) b.group(name);

    for (const p of people) {
      if (!p.holdsAccess) continue;
      const groups: string[] = [];
      for (const role of roles.rolesOf(p)) for (const g of role.byProvider.get(provider.name) ?? []) if (!groups.includes(g)) groups.push(g);
      if (groups.length === 0) continue;
      // Most people signed in this week; a tail within the quarter; a few went quiet.
      const lastLoginAt = b.r.chance(rates.dormant) ? b.ago(95, 300) : b.r.chance(0.85) ? b.ago(0, 7) : b.ago(7, 60);
      const account = b.addAccount(p.email, {
        lastLoginAt,
        createdAt: b.agoHours(60, 2500),
        externalId: provider.style.storesEmployeeId ? p.employeeId : undefined,
        displayName: p.name,
      });
      for (const g of groups) b.join(g, account);
      if (p.employmentType !== 'service') {
        if (allStaff) b.join(allStaff, account);
        if (optIn && b.r.chance(rates.optIn)) b.join(optIn, account);
      }
    }
    builders.set(provider.name, b);
  }
  return builders;
}

export function toSnapshot(builders: ReadonlyMap<string, ObservedBuilder>, now: Date): Snapshot {
  const providers: Snapshot['providers'] = {};
  for (const [name, b] of builders) providers[name] = b.build();
  return { formatVersion: SNAPSHOT_FORMAT_VERSION, observedAt: isoDateTime(now.getTime()), providers };
}

/**
 * A manual provider's inventory as its owner keeps it: the same accounts and groups
 * as the observed state, with group members named by login.
 */
export function toInventory(observed: ObservedProvider): ManualInventory {
  const loginOf = new Map(observed.accounts.map((a) => [a.id, a.login]));
  return {
    accounts: observed.accounts.map((a) => ({
      id: a.id,
      login: a.login,
      status: a.status,
      ...(a.lastLoginAt ? { lastLoginAt: a.lastLoginAt } : {}),
    })),
    // Group ids are the names in an inventory, so only the names are written.
    groups: observed.groups.map((g) => ({ name: g.name, members: g.members.map((id) => loginOf.get(id) ?? id) })),
  };
}
