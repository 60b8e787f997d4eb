import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { RBAC_GROUP } from '../mapping.js';
import type { Revision } from './store.js';
import { conflict, invalid, notFound } from './status.js';

/**
 * ClusterRoles, with the aggregation controller
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles):
 * a ClusterRole with `aggregationRule.clusterRoleSelectors` has its `rules` filled by the
 * controller from every ClusterRole whose labels a selector matches (an aggregated role
 * can itself be aggregated into another, as `edit` is into `admin`), and any rules
 * written to it directly are overwritten ("the Rules are controller managed and direct
 * changes to Rules will be stomped by the controller", k8s.io/api rbac/v1 types.go). The
 * emulator's controller runs at once after every write; the real one shortly after.
 */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface ClusterRole {
  apiVersion?: string;
  kind?: 'ClusterRole';
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string; uid?: string; creationTimestamp?: string; [k: string]: unknown };
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';

/**
 * The user-facing roles Kubernetes creates, as far as aggregation goes: `admin`, `edit` and
 * `view` aggregate the roles labelled `aggregate-to-<role>`, `edit` is labelled into
 * `admin` and `view` into `edit`; each gets a few rules of its own through a
 * `system:aggregate-to-<role>` role. The rules are examples, not the full defaults.
 */
export function userFacingClusterRoles(): ClusterRole[] {
  const aggregated = (name: string, into?: string): ClusterRole => ({
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...(into ? { [`${AGGREGATE}${into}`]: 'true' } : {}) } },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE}${name}`]: 'true' } }] },
    rules: [],
  });
  const part = (role: string, rules: PolicyRule[]): ClusterRole => ({
    metadata: { name: `system:aggregate-to-${role}`, labels: { [`${AGGREGATE}${role}`]: 'true' } },
    rules,
  });
  return [
    { metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    aggregated('admin'),
    aggregated('edit', 'admin'),
    aggregated('view', 'edit'),
    part('admin', [{ apiGroups: [RBAC_GROUP], resources: ['rolebindings', 'roles'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }]),
    part('edit', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'patch', 'update'] }]),
    part('view', [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }]),
  ];
}

function matches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  // An empty selector matches nothing in aggregation.
  return Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length > 0;
}

export class ClusterRoleStore {
  private readonly roles = new Map<string, ClusterRole>();

  constructor(private readonly revision: Revision) {}

  seed(roles: readonly ClusterRole[]): void {
    for (const r of roles) this.put(structuredClone(r));
    this.aggregate();
  }

  list(): ClusterRole[] {
    return [...this.roles.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)).map((r) => structuredClone(r));
  }

  get(name: string): ClusterRole {
    const r = this.roles.get(name);
    if (!r) throw notFound('clusterroles', RBAC_GROUP, name);
    return structuredClone(r);
  }

  /** A replace or patched write: 409 on a stale resourceVersion; the controller then runs. */
  update(name: string, next: ClusterRole): ClusterRole {
    const current = this.get(name);
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict('clusterroles', RBAC_GROUP, name);
    if (next.metadata?.name !== undefined && next.metadata.name !== name) {
      throw invalid('ClusterRole', RBAC_GROUP, name, 'metadata.name', `Invalid value: "${String(next.metadata.name)}": field is immutable`);
    }
    if (next.rules !== undefined && !Array.isArray(next.rules)) throw invalid('ClusterRole', RBAC_GROUP, name, 'rules', 'Invalid value: must be a list');
    this.put({ ...next, metadata: { ...next.metadata, name, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } });
    this.aggregate();
    return this.get(name);
  }

  private put(r: ClusterRole): void {
    this.roles.set(r.metadata.name, {
      ...r,
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: {
        ...r.metadata,
        uid: r.metadata.uid ?? randomUUID(),
        creationTimestamp: r.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceVersion: this.revision.next(),
      },
      rules: r.rules ?? [],
    });
  }

  /** The controller: every aggregated role's rules from the roles its selectors match, until nothing changes. */
  private aggregate(): void {
    for (let round = 0; round <= this.roles.size; round++) {
      let changed = false;
      for (const role of this.roles.values()) {
        const selectors = role.aggregationRule?.clusterRoleSelectors;
        if (!selectors) continue;
        const rules: PolicyRule[] = [];
        for (const other of this.list()) {
          if (other.metadata.name === role.metadata.name || !selectors.some((s) => matches(s, other.metadata.labels ?? {}))) continue;
          for (const rule of other.rules ?? []) if (!rules.some((x) => isDeepStrictEqual(x, rule))) rules.push(rule);
        }
        if (isDeepStrictEqual(rules, role.rules ?? [])) continue;
        role.rules = rules;
        role.metadata.resourceVersion = this.revision.next();
        changed = true;
      }
      if (!changed) return;
    }
  }
}
