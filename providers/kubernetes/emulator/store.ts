import { randomUUID } from 'node:crypto';
import type { ObservedProvider } from '../../../src/types/index.js';
import { bindingRefOf, groupName, RBAC_GROUP, subjectsToMembers, toObserved, type BindingKind, type RbacBinding, type Subject } from '../mapping.js';
import { conflict, invalid, notFound } from './status.js';

/**
 * RoleBindings and ClusterRoleBindings as the API server stores them: every write bumps
 * one cluster-wide revision that becomes the object's `metadata.resourceVersion`.
 */
export class Revision {
  private value = 1000;
  next(): string {
    this.value += 1;
    return String(this.value);
  }
  get current(): string {
    return String(this.value);
  }
}

const resourceOf = (kind: BindingKind): string => (kind === 'ClusterRoleBinding' ? 'clusterrolebindings' : 'rolebindings');

export class BindingStore {
  private readonly bindings = new Map<string, RbacBinding>();

  constructor(readonly revision: Revision) {}

  /** Key order is the API server's (etcd key) order: namespace, then name. */
  private static key(kind: BindingKind, namespace: string | undefined, name: string): string {
    return groupName({ kind, namespace, name });
  }

  /**
   * A binding per seed group (`clusterrolebinding/NAME`, `NS/rolebinding/NAME`, or a bare
   * name for a ClusterRoleBinding) whose subjects are the members (`User:x`, `Group:x`),
   * bound to a ClusterRole of the binding's own name.
   */
  seed(seed: ObservedProvider | undefined, extra: RbacBinding[] = []): void {
    for (const g of seed?.groups ?? []) {
      const ref = bindingRefOf(g.name) ?? bindingRefOf(g.id) ?? { kind: 'ClusterRoleBinding' as const, name: g.name };
      const subjects: Subject[] = g.members.map((m) => {
        const [kind, ...rest] = m.split(':');
        const name = rest.join(':');
        return kind === 'Group' ? { kind: 'Group', apiGroup: RBAC_GROUP, name } : { kind: 'User', apiGroup: RBAC_GROUP, name: kind === 'User' ? name : m };
      });
      this.put({
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: ref.name },
        ...(subjects.length ? { subjects } : {}),
      });
    }
    for (const b of extra) this.put(structuredClone(b));
  }

  private put(b: RbacBinding): RbacBinding {
    const stored: RbacBinding = {
      ...b,
      apiVersion: `${RBAC_GROUP}/v1`,
      metadata: {
        ...b.metadata,
        uid: b.metadata.uid ?? randomUUID(),
        creationTimestamp: b.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceVersion: this.revision.next(),
      },
    };
    this.bindings.set(BindingStore.key(b.kind, b.metadata.namespace, b.metadata.name), stored);
    return stored;
  }

  /** Sorted copies of one kind, optionally of one namespace. */
  list(kind: BindingKind, namespace?: string): RbacBinding[] {
    return [...this.bindings.entries()]
      .filter(([, b]) => b.kind === kind && (namespace === undefined || b.metadata.namespace === namespace))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, b]) => structuredClone(b));
  }

  get(kind: BindingKind, namespace: string | undefined, name: string): RbacBinding {
    const b = this.bindings.get(BindingStore.key(kind, namespace, name));
    if (!b) throw notFound(resourceOf(kind), RBAC_GROUP, name);
    return structuredClone(b);
  }

  /**
   * Stores `next` in place of the binding: a resourceVersion other than the stored one
   * is a 409 Conflict (an empty one is an unconditional update); the name and roleRef
   * are immutable; every subject needs a kind and a name.
   */
  update(kind: BindingKind, namespace: string | undefined, name: string, next: RbacBinding): RbacBinding {
    const current = this.get(kind, namespace, name);
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(resourceOf(kind), RBAC_GROUP, name);
    if (next.metadata?.name !== undefined && next.metadata.name !== name) {
      throw invalid(kind, RBAC_GROUP, name, 'metadata.name', `Invalid value: "${String(next.metadata.name)}": field is immutable`);
    }
    if (JSON.stringify(next.roleRef) !== JSON.stringify(current.roleRef)) {
      throw invalid(kind, RBAC_GROUP, name, 'roleRef', 'Invalid value: cannot change roleRef');
    }
    const subjects = next.subjects ?? [];
    if (!Array.isArray(subjects)) throw invalid(kind, RBAC_GROUP, name, 'subjects', 'Invalid value: must be a list');
    subjects.forEach((s, i) => {
      if (!s || typeof s.kind !== 'string' || !['User', 'Group', 'ServiceAccount'].includes(s.kind)) {
        throw invalid(kind, RBAC_GROUP, name, `subjects[${i}].kind`, 'Unsupported value: must be one of "ServiceAccount", "User", "Group"');
      }
      if (typeof s.name !== 'string' || s.name === '') throw invalid(kind, RBAC_GROUP, name, `subjects[${i}].name`, 'Required value');
    });
    return structuredClone(
      this.put({
        ...next,
        kind,
        metadata: {
          ...current.metadata,
          ...next.metadata,
          name,
          ...(namespace ? { namespace } : {}),
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
        },
        roleRef: current.roleRef,
        ...(next.subjects ? { subjects: next.subjects } : {}),
      }),
    );
  }

  /** Changes a binding's subjects directly (someone else editing the cluster). */
  setSubjects(group: string, change: (subjects: Subject[]) => Subject[]): RbacBinding {
    const ref = bindingRefOf(group);
    if (!ref) throw new Error(`not a binding name: ${group}`);
    const current = this.get(ref.kind, ref.namespace, ref.name);
    const subjects = change(structuredClone(current.subjects ?? []));
    const { subjects: _old, ...rest } = current;
    return this.update(ref.kind, ref.namespace, ref.name, { ...rest, ...(subjects.length ? { subjects } : {}) });
  }

  all(): RbacBinding[] {
    return [...this.list('ClusterRoleBinding'), ...this.list('RoleBinding')];
  }

  /** Lockstep's observed form of the whole store (what a fresh observation returns). */
  observed(): ObservedProvider {
    return toObserved(this.all());
  }

  /** Members (`User:x`, `Group:x`) of one binding; empty when it does not exist. */
  members(group: string): string[] {
    const ref = bindingRefOf(group);
    const b = ref ? this.bindings.get(groupName(ref)) : undefined;
    return b ? subjectsToMembers(b.subjects) : [];
  }
}
