import type { ConfigDocument, GuardBaseline, PlanChange } from '../types/index.js';
import type { ObservedIndex } from './observed-index.js';

/**
 * What the guard counts the plan's changes against, taken from the observed state while
 * it is at hand: every governed provider's active accounts, the member count of each
 * group the plan removes members from, and the active members of each Config minMembers
 * group. Recorded in the plan, so that the guard runs over the finished plan alone.
 */
export function guardBaseline(changes: readonly PlanChange[], index: ObservedIndex, config: ConfigDocument): GuardBaseline {
  const activeAccounts: Record<string, number> = {};
  for (const name of index.providers) activeAccounts[name] = index.activeAccounts(name);

  const groups = new Map<string, GuardBaseline['groups'][number]>();
  for (const c of changes) {
    if (c.action !== 'remove_member' || !c.target.group) continue;
    const key = `${c.provider}\u0000${c.target.group.id}`;
    if (groups.has(key)) continue;
    const group = index.groupById(c.provider, c.target.group.id);
    if (group) groups.set(key, { provider: c.provider, id: group.id, name: group.name, members: group.members.length });
  }

  const minMembers: GuardBaseline['minMembers'] = [];
  for (const rule of config.spec.minMembers ?? []) {
    const group = index.groupByName(rule.provider, rule.group);
    if (!group) continue;
    const active = [...new Set(group.members)].filter((id) => index.account(rule.provider, id)?.status === 'active');
    minMembers.push({ provider: rule.provider, group: rule.group, id: group.id, active: active.sort(byCodeUnit) });
  }

  return {
    activeAccounts,
    groups: [...groups.values()].sort((a, b) => byCodeUnit(a.provider, b.provider) || byCodeUnit(a.id, b.id)),
    minMembers,
  };
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
