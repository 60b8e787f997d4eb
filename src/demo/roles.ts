import type { Grant, PersonSelector } from '../types/index.js';
import { DEPARTMENTS } from './catalogue.js';
import type { Company } from './model.js';
import type { DemoPerson } from './people.js';
import type { ResolvedProvider } from './provider-styles.js';

/**
 * The organisation's access model: which roles exist, what they grant, and who they
 * are assigned to. The policy documents are written from it and the observed
 * memberships are derived from it, so the two agree by construction and every
 * deviation in the snapshot is one the story put there on purpose.
 */
export interface RoleDef {
  readonly name: string;
  readonly description: string;
  readonly tier: 'standard' | 'privileged';
  readonly owner: string;
  readonly grants: readonly Grant[];
  /** Group names granted, by provider name. */
  readonly byProvider: ReadonlyMap<string, readonly string[]>;
  /** The RoleAssignment that gives this role. */
  readonly assignment: { readonly name: string; readonly select?: PersonSelector; readonly people?: readonly string[] };
}

export interface RoleModel {
  /** In document order: staff, one per department, it-admin, automation. */
  readonly roles: readonly RoleDef[];
  /** The roles the assignments give a person (whatever their status: entitlement is the engine's call). */
  rolesOf(p: DemoPerson): readonly RoleDef[];
  /** Every group some role grants in the provider: the managed groups. */
  managedGroups(provider: string): readonly string[];
}

const HUMANS: PersonSelector['employmentType'] = ['employee', 'contractor'];

function role(name: string, description: string, tier: RoleDef['tier'], owner: string, grants: Grant[], assignment: RoleDef['assignment']): RoleDef {
  const byProvider = new Map<string, string[]>();
  for (const g of grants) byProvider.set(g.provider, [...(byProvider.get(g.provider) ?? []), g.group]);
  return { name, description, tier, owner, grants, byProvider, assignment };
}

export function buildRoleModel(people: readonly DemoPerson[], providers: readonly ResolvedProvider[], company: Company): RoleModel {
  const ceo = people.find((p) => p.position === 'ceo');
  const heads = new Map(people.filter((p) => p.position === 'head').map((p) => [p.department, p.email]));
  const itOwner = heads.get('IT') ?? ceo?.email ?? `it-ops@${company.domain}`;

  const staffGrants = providers.flatMap((p) => (p.staffGroup === null ? [] : [{ provider: p.name, group: p.staffGroup }]));
  const staff = staffGrants.length
    ? role('staff', `Baseline for every employee and contractor of ${company.name}`, 'standard', itOwner, staffGrants, {
        name: 'everyone',
        select: { employmentType: HUMANS },
      })
    : null;

  const departments = new Map<string, RoleDef>();
  for (const d of DEPARTMENTS) {
    const grants = providers.flatMap((p) =>
      p.departments.has(d.name) ? [p.style.departmentGroup(d.name, company), ...(p.extraGroups[d.name] ?? [])].map((group) => ({ provider: p.name, group })) : [],
    );
    if (grants.length === 0) continue;
    departments.set(
      d.name,
      role(d.slug, d.description, 'standard', heads.get(d.name) ?? itOwner, grants, {
        name: `${d.slug}-team`,
        select: { department: d.name, employmentType: HUMANS },
      }),
    );
  }

  // Administrators are named one by one: a privileged role is never given by a selector.
  const adminEmails = people.filter((p) => p.admin).map((p) => p.email);
  const itAdmin = adminEmails.length
    ? role(
        'it-admin',
        'Administrators of the connected apps',
        'privileged',
        itOwner,
        providers.map((p) => ({ provider: p.name, group: p.adminGroup })),
        { name: 'it-admins', people: adminEmails },
      )
    : null;

  const integrationGrants = providers.flatMap((p) => (p.staffGroup === null ? [] : [{ provider: p.name, group: p.style.departmentGroup('Integrations', company) }]));
  const automation =
    integrationGrants.length && people.some((p) => p.employmentType === 'service')
      ? role('automation', 'Non-human accounts that sync and report', 'standard', itOwner, integrationGrants, {
          name: 'automation',
          select: { employmentType: 'service' },
        })
      : null;

  const roles = [staff, ...departments.values(), itAdmin, automation].filter((r): r is RoleDef => r !== null);
  const managed = new Map<string, string[]>();
  for (const r of roles) {
    for (const g of r.grants) {
      const list = managed.get(g.provider) ?? [];
      if (!list.includes(g.group)) list.push(g.group);
      managed.set(g.provider, list);
    }
  }

  return {
    roles,
    rolesOf(p) {
      if (p.employmentType === 'service') return automation ? [automation] : [];
      const out: RoleDef[] = [];
      if (staff) out.push(staff);
      const dept = departments.get(p.department);
      if (dept) out.push(dept);
      if (p.admin && itAdmin) out.push(itAdmin);
      return out;
    },
    managedGroups: (provider) => managed.get(provider) ?? [],
  };
}
