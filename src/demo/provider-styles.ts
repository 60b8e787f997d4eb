import type { ProviderConnection, ProviderType } from '../types/index.js';
import type { Company, ProviderSpec } from './model.js';
import { base62Id, numericId, uuidLike, type Random } from './random.js';

/**
 * How each provider type names and numbers things, so generated accounts and groups
 * look like what that vendor's API returns. Supporting a new provider type in the
 * demo organisation is adding one entry here.
 */
export interface ProviderStyle {
  /** Account id as the vendor shows it; `seq` counts the provider's accounts from 0. */
  accountId(r: Random, seq: number, login: string): string;
  groupId(r: Random, name: string): string;
  /** Group a department's role grants. */
  departmentGroup(department: string, company: Company): string;
  /** Group the company-wide staff role grants, or null when the type has none by default. */
  staffGroup(company: Company): string | null;
  adminGroup(providerName: string, company: Company): string;
  /** Groups that exist in the provider but that no role names; the first holds every human account. */
  unmanagedGroups(company: Company): readonly string[];
  /** Default Config connection (local emulator addresses; secrets only by reference). */
  connection(providerName: string, index: number, company: Company): Record<string, unknown>;
  /** Whether the provider stores the roster's employee id on the account. */
  readonly storesEmployeeId: boolean;
  /**
   * Whether accounts come from an owner's inventory file, which holds only id, login,
   * status and last sign-in: observed accounts then carry nothing more.
   */
  readonly inventory: boolean;
}

const envName = (providerName: string): string => providerName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
const companySlug = (c: Company): string => slug(c.domain.split('.')[0] ?? c.name);
/** `wiki` → `Wiki`, short names are acronyms: `vpn` → `VPN`. */
const titleCase = (name: string): string => (name.length <= 3 ? name.toUpperCase() : name.charAt(0).toUpperCase() + name.slice(1).replace(/[-_]+/g, ' '));

export const PROVIDER_STYLES: Readonly<Record<ProviderType, ProviderStyle>> = {
  scim: {
    accountId: (r) => uuidLike(r),
    groupId: (r) => uuidLike(r),
    departmentGroup: (d) => d,
    staffGroup: () => 'Employees',
    adminGroup: (p) => `${titleCase(p)} Admins`,
    unmanagedGroups: () => ['All Staff', 'Beta Testers'],
    connection: (p, i, c) => ({
      type: 'scim',
      baseUrl: `http://127.0.0.1:${4010 + i}/scim/v2`,
      token: `\${env:${envName(p)}_SCIM_TOKEN}`,
      owner: `it-apps@${c.domain}`,
      deactivationEndsSessions: true,
    }),
    storesEmployeeId: true,
    inventory: false,
  },
  manual: {
    // The owner's inventory names accounts by a short local user id.
    accountId: (_r, seq) => `u${String(100001 + seq)}`,
    groupId: (_r, name) => name,
    departmentGroup: (d) => d,
    staffGroup: () => null,
    adminGroup: (p) => `${titleCase(p)} Admins`,
    unmanagedGroups: () => ['All Staff'],
    connection: (p, _i, c) => ({ type: 'manual', owner: `it-ops@${c.domain}`, inventory: `inventories/${p}.yaml` }),
    storesEmployeeId: false,
    inventory: true,
  },
  okta: {
    accountId: (r) => base62Id(r, '00u', 17),
    groupId: (r) => base62Id(r, '00g', 17),
    departmentGroup: (d) => d,
    staffGroup: () => 'Employees',
    adminGroup: () => 'Okta Admins',
    unmanagedGroups: () => ['Everyone'],
    connection: (p, _i, c) => ({ type: 'okta', orgUrl: `https://${companySlug(c)}.okta.com`, token: `\${env:${envName(p)}_API_TOKEN}` }),
    storesEmployeeId: true,
    inventory: false,
  },
  google: {
    accountId: (r) => numericId(r, 21),
    groupId: (r) => `0${base62Id(r, '', 14).toLowerCase()}`,
    departmentGroup: (d, c) => `${slug(d)}@${c.domain}`,
    staffGroup: (c) => `staff@${c.domain}`,
    adminGroup: (p, c) => `${slug(p)}-admins@${c.domain}`,
    unmanagedGroups: (c) => [`all@${c.domain}`, `announcements@${c.domain}`],
    connection: (_p, _i, c) => ({
      type: 'google',
      customer: 'my_customer',
      subject: `lockstep-admin@${c.domain}`,
      credentials: '${file:/run/secrets/google.json}',
    }),
    storesEmployeeId: true,
    inventory: false,
  },
  entra: {
    accountId: (r) => uuidLike(r),
    groupId: (r) => uuidLike(r),
    departmentGroup: (d) => `SG-${d.replace(/\s+/g, '-')}`,
    staffGroup: () => 'SG-All-Employees',
    adminGroup: () => 'SG-Entra-Admins',
    unmanagedGroups: () => ['All Company'],
    connection: (p) => ({
      type: 'entra',
      tenantId: '5f0c8f4e-2b1a-4c8e-9a7d-3e6b1c2d4f5a',
      clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      clientSecret: `\${env:${envName(p)}_CLIENT_SECRET}`,
    }),
    storesEmployeeId: true,
    inventory: false,
  },
  kubernetes: {
    // RoleBinding subjects are the memberships; the subject is the user name itself.
    accountId: (_r, _seq, login) => `User:${login}`,
    groupId: (_r, name) => name,
    // A group is a binding: NAMESPACE/rolebinding/NAME or clusterrolebinding/NAME.
    departmentGroup: (d) => `team-${slug(d)}/rolebinding/edit`,
    staffGroup: () => null,
    adminGroup: () => 'clusterrolebinding/cluster-admins',
    unmanagedGroups: () => ['clusterrolebinding/cluster-viewers'],
    connection: (p) => ({ type: 'kubernetes', context: p }),
    storesEmployeeId: false,
    inventory: false,
  },
};

/** A provider with every default filled in: the groups its roles grant, by role kind. */
export interface ResolvedProvider {
  readonly name: string;
  readonly type: ProviderType;
  readonly style: ProviderStyle;
  readonly departments: ReadonlySet<string>;
  readonly staffGroup: string | null;
  readonly adminGroup: string;
  readonly extraGroups: Readonly<Record<string, readonly string[]>>;
  readonly unmanagedGroups: readonly string[];
  readonly connection: ProviderConnection & Record<string, unknown>;
}

export function resolveProviders(specs: readonly ProviderSpec[], company: Company, allDepartments: readonly string[]): ResolvedProvider[] {
  const seen = new Set<string>();
  return specs.map((spec, index) => {
    if (seen.has(spec.name)) throw new RangeError(`provider ${spec.name} is listed twice`);
    seen.add(spec.name);
    const style = PROVIDER_STYLES[spec.type];
    const { type: _type, ...settings } = spec.connection ?? style.connection(spec.name, index, company);
    return {
      name: spec.name,
      type: spec.type,
      style,
      departments: new Set(spec.departments ?? allDepartments),
      staffGroup: spec.staffGroup === undefined ? style.staffGroup(company) : spec.staffGroup,
      adminGroup: spec.adminGroup ?? style.adminGroup(spec.name, company),
      extraGroups: spec.extraGroups ?? {},
      unmanagedGroups: style.unmanagedGroups(company),
      connection: { type: spec.type, ...settings },
    };
  });
}
