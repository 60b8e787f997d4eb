import type { Policy } from '../policy/model.js';
import { capabilitiesOf } from '../../providers/registry.js';
import type { PlanningProviders } from '../types/capabilities.js';

/** What planning is told about the policy's providers: each one's capabilities (its module's answer for its connection) and task owner. */
export function planningProviders(policy: Policy): PlanningProviders {
  const connections = policy.config.doc.spec.providers as Record<string, { type: string; owner?: unknown } | undefined>;
  return {
    capabilities: (name) => capabilitiesOf(connections[name]),
    taskOwner: (name) => {
      const owner = connections[name]?.owner;
      return typeof owner === 'string' ? owner : 'unassigned';
    },
  };
}
