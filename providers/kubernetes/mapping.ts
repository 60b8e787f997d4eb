import type { ObservedAccount, ObservedGroup, ObservedProvider } from '../../src/types/index.js';

/**
 * Lockstep's view of Kubernetes RBAC. A group is one binding, named
 * `clusterrolebinding/NAME` or `NAMESPACE/rolebinding/NAME` (its id is the same string);
 * its members are the binding's `User` and `Group` subjects, as accounts `User:<name>` and
 * `Group:<name>`. A subject exists while it is bound, so every account is active.
 * ServiceAccount subjects are workloads, not people: never accounts or members.
 */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export type BindingKind = 'ClusterRoleBinding' | 'RoleBinding';

export interface Subject {
  kind: string;
  name: string;
  apiGroup?: string;
  namespace?: string;
}

export interface RbacBinding {
  apiVersion?: string;
  kind: BindingKind;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; creationTimestamp?: string; [k: string]: unknown };
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: Subject[];
}

export interface BindingRef {
  kind: BindingKind;
  namespace?: string | undefined;
  name: string;
}

export interface PersonSubject {
  kind: 'User' | 'Group';
  name: string;
}

export function groupName(ref: BindingRef): string {
  return ref.kind === 'ClusterRoleBinding' ? `clusterrolebinding/${ref.name}` : `${ref.namespace ?? ''}/rolebinding/${ref.name}`;
}

/** `clusterrolebinding/NAME` or `NS/rolebinding/NAME`; null for anything else. */
export function bindingRefOf(group: string): BindingRef | null {
  const parts = group.split('/');
  if (parts.length === 2 && parts[0] === 'clusterrolebinding' && parts[1]) return { kind: 'ClusterRoleBinding', name: parts[1] };
  if (parts.length === 3 && parts[1] === 'rolebinding' && parts[0] && parts[2]) return { kind: 'RoleBinding', namespace: parts[0], name: parts[2] };
  return null;
}

export const accountIdOf = (s: PersonSubject): string => `${s.kind}:${s.name}`;

/** `User:<name>` or `Group:<name>`; null for anything else. */
export function subjectOf(accountId: string): PersonSubject | null {
  const m = /^(User|Group):(.+)$/s.exec(accountId);
  return m ? { kind: m[1] as PersonSubject['kind'], name: m[2]! } : null;
}

export const isPerson = (s: Subject | undefined): s is Subject & PersonSubject => !!s && (s.kind === 'User' || s.kind === 'Group') && typeof s.name === 'string';

/** Users and groups Kubernetes itself defines (`system:masters`, `system:serviceaccounts`, ...). */
export const isSystemName = (name: string): boolean => name.startsWith('system:');

export const sameSubject = (s: Subject | undefined, p: PersonSubject): boolean => isPerson(s) && s.kind === p.kind && s.name === p.name;

/** The subject as a binding lists it. */
export const rbacSubject = (p: PersonSubject): Subject => ({ kind: p.kind, apiGroup: RBAC_GROUP, name: p.name });

export function subjectsToMembers(subjects: Subject[] | undefined): string[] {
  return [...new Set((subjects ?? []).filter(isPerson).map(accountIdOf))];
}

const looksLikeAddress = (name: string): boolean => /^[^@\s:]+@[^@\s]+\.[^@\s]+$/.test(name);

export function toObserved(bindings: RbacBinding[], observedAt?: string): ObservedProvider {
  const accounts = new Map<string, ObservedAccount>();
  const groups: ObservedGroup[] = [];
  for (const b of bindings) {
    const name = groupName({ kind: b.kind, namespace: b.metadata.namespace, name: b.metadata.name });
    for (const s of (b.subjects ?? []).filter(isPerson)) {
      const id = accountIdOf(s);
      if (!accounts.has(id)) accounts.set(id, { id, login: s.name, status: 'active', emails: looksLikeAddress(s.name) ? [s.name] : [] });
    }
    groups.push({ id: name, name, members: subjectsToMembers(b.subjects) });
  }
  return { type: 'kubernetes', ...(observedAt ? { observedAt } : {}), accounts: [...accounts.values()], groups };
}
