import type { Located, Policy } from './model.js';
import type { RoleProfileDocument, Tier } from '../types/index.js';

/** The key of one provider's group in maps of grants. */
export const grantKey = (provider: string, group: string): string => `${provider}\u0000${group}`;

/** A group some RoleProfile names: managed authoritatively. */
export interface ManagedGroup {
  readonly provider: string;
  readonly group: string;
  /** The first role (by name) that names the group: the rule drift removals cite. */
  readonly role: Located<RoleProfileDocument>;
  readonly grantIndex: number;
  /** privileged when any privileged role grants it. */
  readonly tier: Tier;
}

/** Every group a RoleProfile grants, by grantKey, with the first role (by name) naming it. */
export function managedGroups(policy: Policy): Map<string, ManagedGroup> {
  const managed = new Map<string, ManagedGroup>();
  const names = [...policy.roles.keys()].sort();
  for (const name of names) {
    const role = policy.roles.get(name)!;
    const tier: Tier = role.doc.spec.tier ?? 'standard';
    role.doc.spec.grants.forEach((g, grantIndex) => {
      const key = grantKey(g.provider, g.group);
      const seen = managed.get(key);
      if (!seen) managed.set(key, { provider: g.provider, group: g.group, role, grantIndex, tier });
      else if (tier === 'privileged' && seen.tier !== 'privileged') managed.set(key, { ...seen, tier });
    });
  }
  return managed;
}
