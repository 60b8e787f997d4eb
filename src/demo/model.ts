import type {
  ConfigDocument,
  ExceptionDocument,
  LifecycleRuleDocument,
  ProviderType,
  RoleAssignmentDocument,
  RoleProfileDocument,
  RosterRow,
  Snapshot,
} from '../types/index.js';

/** The company the organisation belongs to: its display name and its one email domain. */
export interface Company {
  readonly name: string;
  readonly domain: string;
}

/**
 * One connected identity system of the generated organisation. Only `name` and `type`
 * are required; the rest shapes which people get accounts there.
 */
export interface ProviderSpec {
  readonly name: string;
  readonly type: ProviderType;
  /** Departments whose role grants a group here; every department when absent. */
  readonly departments?: readonly string[];
  /**
   * Group the company-wide `staff` role grants here (so every employee and contractor
   * has an account); the type's default when absent, none when null.
   */
  readonly staffGroup?: string | null;
  /** Further groups a department's role grants here, by department name. */
  readonly extraGroups?: Readonly<Record<string, readonly string[]>>;
  /** Group the privileged `it-admin` role grants here; `<Name> Admins` or the type's default. */
  readonly adminGroup?: string;
  /** Connection written to Config; the type's default (a local emulator address) otherwise. */
  readonly connection?: Readonly<Record<string, unknown>>;
}

/** A manual provider's inventory file, kept by the app owner (members are logins). */
export interface ManualInventory {
  accounts: { id?: string; login: string; status?: 'active' | 'suspended' | 'deprovisioned'; lastLoginAt?: string }[];
  groups: { name: string; members: string[] }[];
}

export type DemoDocument = ConfigDocument | RoleProfileDocument | RoleAssignmentDocument | LifecycleRuleDocument | ExceptionDocument;

/** A provider account the story refers to. */
export interface AccountFact {
  readonly provider: string;
  readonly login: string;
}

/** A group in one provider. */
export interface GroupFact {
  readonly provider: string;
  readonly group: string;
}

export interface LeaverFact {
  readonly email: string;
  readonly name: string;
  readonly department: string;
  /** The roster's end_date (ISO date-time: the end of the last working day). */
  readonly endDate: string;
  readonly privileged: boolean;
  /** Providers where the person still holds an active account. */
  readonly providers: readonly string[];
  /** Accounts held under an alias or previous-name email from the roster (ghost accounts). */
  readonly aliasAccounts: readonly AccountFact[];
}

export interface ExceptionFact {
  /** metadata.name of the Exception document. */
  readonly name: string;
  readonly person: string;
  readonly provider: string;
  readonly group: string;
  /** The Exception's expires (ISO date). */
  readonly expires: string;
}

/** Expected suspensions+deletions in one provider against its active accounts (the mass-suspension guard). */
export interface SuspensionFact {
  /** Logins of the accounts the policy suspends now. */
  readonly logins: readonly string[];
  readonly activeAccounts: number;
  /** logins.length / activeAccounts: kept under the 0.10 threshold. */
  readonly fraction: number;
}

/**
 * What the demo story put into the organisation, so tests and the demo narration can
 * name it. Every fact holds in the generated roster, documents and snapshot.
 */
export interface StoryFacts {
  readonly now: string;
  readonly company: Company;
  readonly people: number;
  readonly leavers: readonly LeaverFact[];
  readonly ghost: { readonly person: string; readonly alias: string; readonly provider: string };
  readonly privilegedLeaver: string;
  readonly orphan: AccountFact & { readonly groups: readonly string[] };
  readonly breakglass: { readonly login: string; readonly providers: readonly string[]; readonly groups: readonly GroupFact[] };
  readonly dormant: readonly (AccountFact & { readonly person: string; readonly lastLoginAt: string; readonly days: number })[];
  /** Members of a managed group whom no role grants it. */
  readonly drift: { readonly provider: string; readonly group: string; readonly members: readonly string[] };
  readonly exception: ExceptionFact;
  readonly expiredException: ExceptionFact;
  /**
   * The reduction in force: one end date, and in every provider with a Sales group, a
   * managed group losing more than 30% of its members.
   */
  readonly rif: {
    readonly endDate: string;
    readonly people: readonly string[];
    readonly groups: readonly RifGroupFact[];
  };
  readonly contractorEnd: { readonly person: string; readonly endDate: string; readonly providers: readonly string[] };
  readonly onLeave: { readonly person: string };
  /** Per provider: the guard's mass-suspension arithmetic, each under 10%. */
  readonly suspensions: Readonly<Record<string, SuspensionFact>>;
}

/** One group the reduction in force empties by more than the guard allows. */
export interface RifGroupFact {
  readonly provider: string;
  readonly group: string;
  /** Members before the reduction in force. */
  readonly members: number;
  /** Share of the members the reduction in force removes. */
  readonly fraction: number;
}

export interface Org {
  readonly company: Company;
  /** Roster rows as the CSV holds them: every column present, aliases `;`-separated. */
  readonly roster: RosterRow[];
  /** Policy documents, in the order they are written: Config, RoleProfiles, RoleAssignments, LifecycleRules, Exceptions. */
  readonly documents: DemoDocument[];
  /** Inventory file contents of every manual provider, by provider name. */
  readonly inventories: Record<string, ManualInventory>;
  readonly snapshot: Snapshot;
  readonly story: StoryFacts | null;
}
