import type { Policy } from '../policy/model.js';
import { capabilitiesFor } from '../provider/capabilities.js';
import type { PlanningProviders } from '../types/capabilities.js';

/** What planning is told about the policy's providers: each one's capabilities (by type and connection options) and task owner. */
export function planningProviders(policy: Policy): PlanningProviders {
  const connections = policy.config.doc.spec.providers as Record<string, { type: string; owner?: unknown } | undefined>;
  return {
    capabilities: (name) => capabilitiesFor(connections[name]),
    taskOwner: (name) => {
      const owner = connections[name]?.owner;
      return typeof owner === 'string' ? owner : 'unassigned';
    },
  };
}
