import type { Problem } from '../errors.js';
import type { Snapshot } from '../types/index.js';
import type { DocPath, Located, Policy, PolicyDocument } from './model.js';
import { didYouMean } from './near-match.js';

export interface ObservedCheckResult {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

interface GroupReference {
  readonly provider: string;
  readonly group: string;
  readonly located: Located<PolicyDocument>;
  readonly path: DocPath;
}

/** Every group the policy requires to exist: RoleProfile grants and minMembers invariants. */
function groupReferences(policy: Policy): GroupReference[] {
  const refs: GroupReference[] = [];
  for (const role of policy.roles.values()) {
    role.doc.spec.grants.forEach((g, i) => refs.push({ ...g, located: role, path: ['spec', 'grants', i, 'group'] }));
  }
  policy.config.doc.spec.minMembers?.forEach((m, i) =>
    refs.push({ provider: m.provider, group: m.group, located: policy.config, path: ['spec', 'minMembers', i, 'group'] }),
  );
  return refs;
}

/**
 * Checks the policy against what providers report: each provider's type matches, and every
 * group a RoleProfile grants or a minMembers invariant names exists, by exact
 * (case-sensitive) name as providers compare them. A Config provider missing from the
 * snapshot is a warning, and its groups go unchecked.
 */
export function checkAgainstSnapshot(policy: Policy, snapshot: Snapshot): ObservedCheckResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const config = policy.config;
  const groupsByProvider = new Map<string, Set<string>>();
  for (const [name, connection] of Object.entries(config.doc.spec.providers)) {
    const observed = snapshot.providers[name];
    if (!observed) {
      warnings.push({ message: `provider ${name} is not in the snapshot; its groups were not checked`, at: config.locate(['spec', 'providers', name]) });
      continue;
    }
    if (observed.type !== connection.type) {
      problems.push({
        message: `provider ${name} is type ${connection.type} in the Config but ${observed.type} in the snapshot`,
        at: config.locate(['spec', 'providers', name, 'type']),
      });
      continue;
    }
    groupsByProvider.set(name, new Set(observed.groups.map((g) => g.name)));
  }
  for (const ref of groupReferences(policy)) {
    const groups = groupsByProvider.get(ref.provider);
    if (!groups || groups.has(ref.group)) continue;
    problems.push({
      message: `group "${ref.group}" does not exist in provider ${ref.provider}${didYouMean(ref.group, groups)}`,
      at: ref.located.locate(ref.path),
    });
  }
  return { problems, warnings };
}
