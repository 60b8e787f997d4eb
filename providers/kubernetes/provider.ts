import { PatchStrategy, setHeaderOptions, type V1ClusterRoleBinding, type V1RoleBinding } from '@kubernetes/client-node';
import { ProviderError } from '../../src/errors.js';
import { declareCapabilities } from '../../src/provider/capabilities.js';
import { dispatchChange } from '../../src/provider/dispatch.js';
import type { ApplyOutcome, Provider } from '../../src/provider/provider.js';
import type { Logger } from '../../src/logger.js';
import type { ObservedProvider, PlanChange } from '../../src/types/index.js';
import type { KubernetesApis } from './connection.js';
import { kubeStatus, toProviderError } from '../../src/kube/errors.js';
import {
  bindingRefOf,
  groupName,
  isSystemName,
  rbacSubject,
  sameSubject,
  subjectOf,
  toObserved,
  type BindingRef,
  type PersonSubject,
  type RbacBinding,
  type Subject,
} from './mapping.js';

export interface KubernetesProviderSettings {
  /** `limit` per list request. */
  pageSize: number;
  timeoutMs: number;
  /** Bindings the policy manages (group names): the only ones ever changed. */
  managed: ReadonlySet<string>;
  /** Removes credentials from any text before it becomes an error message. */
  scrub: (text: string) => string;
}

/**
 * Patches retried after a 409 Conflict ("the object has been modified; please apply your
 * changes to the latest version and try again") or a failed JSON Patch test, re-reading
 * each time (https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency).
 */
export const MAX_PATCH_ATTEMPTS = 5;
/**
 * Listings restarted from the beginning after their continue token expired (410 Gone,
 * reason Expired), so no partial list is ever returned
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks).
 */
export const MAX_LIST_RESTARTS = 2;

type Binding = V1ClusterRoleBinding | V1RoleBinding;
interface QueuedEdit {
  op: 'add' | 'remove';
  subject: PersonSubject;
  settle: (result: 'ok' | 'already' | Error) => void;
}
interface EditQueue {
  edits: QueuedEdit[];
  busy: boolean;
}
/**
 * RBAC has memberships only: a subject has no sessions, tokens, factors or data, and no
 * account to delete; "suspend" means leaving every managed binding.
 */
export const KUBERNETES_CAPABILITIES = declareCapabilities({
  automated: ['suspend', 'add_member', 'remove_member'],
  notApplicable: ['revoke_sessions', 'revoke_tokens', 'reset_factors', 'transfer_ownership', 'delete'],
  onlyManagedGroups: true,
});
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/**
 * Kubernetes RBAC through the official client: memberships are the User and Group
 * subjects of RoleBindings and ClusterRoleBindings. Changes to one binding become one
 * JSON Patch at a time (concurrent ones share it) that first tests the resourceVersion
 * and each subject it removes, so a concurrent edit can never make it remove someone
 * else; on a conflict it re-reads and decides again. Never a strategic merge patch: `subjects`
 * declares no patch strategy (k8s.io/api rbac/v1 types.go), so one replaces the whole list
 * and would drop what another client added meanwhile
 * (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
 * Only managed bindings and non-`system:` subjects are ever changed. Roles are never read or
 * written: a binding to an aggregated ClusterRole (`admin`, `edit`, `view`) is a binding like
 * any other, and the aggregation controller owns that role's rules
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles).
 */
export class KubernetesProvider implements Provider {
  readonly type = 'kubernetes' as const;
  readonly capabilities = KUBERNETES_CAPABILITIES;
  /** Edits waiting for their binding, by binding name. */
  private readonly editQueues = new Map<string, EditQueue>();

  constructor(
    readonly name: string,
    private readonly api: KubernetesApis,
    private readonly settings: KubernetesProviderSettings,
    private readonly log: Logger,
  ) {}

  async observe(): Promise<ObservedProvider> {
    const observedAt = new Date().toISOString();
    const [cluster, namespaced] = await Promise.all([this.listAll('ClusterRoleBinding'), this.listAll('RoleBinding')]);
    return toObserved([...cluster, ...namespaced], observedAt);
  }

  apply(change: PlanChange): Promise<ApplyOutcome> {
    return dispatchChange(
      this,
      change,
      {
        suspend: () => this.suspend(this.subject(change)),
        add_member: () => this.member(change, 'add'),
        remove_member: () => this.member(change, 'remove'),
      },
      (action) => `kubernetes cannot ${action}: RBAC has no such operation (a subject has no sessions, tokens, factors or data)`,
    );
  }

  async close(): Promise<void> {}

  /** Adds the change's subject to, or removes it from, the change's binding (which must be managed). */
  private async member(change: PlanChange, op: 'add' | 'remove'): Promise<ApplyOutcome> {
    const subject = this.subject(change);
    const ref = this.binding(change);
    const result = op === 'add' ? await this.addTo(ref, subject) : await this.removeFrom(ref, subject);
    const member = op === 'add';
    return result === 'already' ? { result, before: { member }, after: { member } } : { result, before: { member: !member }, after: { member } };
  }

  /** Removes the subject from every managed binding it is in; unmanaged ones are left as they are. */
  private async suspend(subject: PersonSubject): Promise<ApplyOutcome> {
    const all = await this.allBindings();
    const holding = all.filter((b) => (b.subjects ?? []).some((s) => sameSubject(s, subject)));
    const managed = holding.filter((b) => this.isManaged(nameOf(b)));
    const unmanaged = holding.filter((b) => !this.isManaged(nameOf(b))).map(nameOf);
    const note = unmanaged.length ? `; left unmanaged bindings: ${unmanaged.join(', ')}` : '';
    if (managed.length === 0) return { result: 'already', before: { bindings: [] }, after: { bindings: [] }, detail: `in no managed binding${note}` };
    const outcomes = await Promise.all(managed.map((b) => this.removeFrom(refOf(b), subject, b)));
    const removed = managed.filter((_, i) => outcomes[i] === 'ok').map(nameOf);
    if (removed.length === 0) return { result: 'already', before: { bindings: [] }, after: { bindings: [] }, detail: `removed meanwhile${note}` };
    return { result: 'ok', before: { bindings: removed }, after: { bindings: [] }, detail: `removed from ${removed.join(', ')}${note}` };
  }

  private removeFrom(ref: BindingRef, subject: PersonSubject, initial?: Binding): Promise<'ok' | 'already'> {
    return this.edit(ref, { op: 'remove', subject }, initial);
  }

  private addTo(ref: BindingRef, subject: PersonSubject): Promise<'ok' | 'already'> {
    return this.edit(ref, { op: 'add', subject });
  }

  /**
   * Queues an edit of one binding. Edits of the same binding never race each other:
   * while one patch is in flight the next edits wait, then go together in one patch
   * (a burst of leavers in one binding costs a read and a patch, not a conflict storm).
   * `initial` is a copy just listed, saving a read.
   */
  private edit(ref: BindingRef, edit: Omit<QueuedEdit, 'settle'>, initial?: Binding): Promise<'ok' | 'already'> {
    const key = groupName(ref);
    return new Promise((resolve, reject) => {
      let queue = this.editQueues.get(key);
      if (!queue) this.editQueues.set(key, (queue = { edits: [], busy: false }));
      queue.edits.push({ ...edit, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (!queue.busy) void this.drain(ref, key, queue, initial);
    });
  }

  private async drain(ref: BindingRef, key: string, queue: EditQueue, initial?: Binding): Promise<void> {
    queue.busy = true;
    for (let listed = initial; queue.edits.length > 0; listed = undefined) {
      const batch = queue.edits.splice(0);
      try {
        const results = await this.patchEdits(ref, batch, listed);
        batch.forEach((e, i) => e.settle(results[i]!));
      } catch (err) {
        for (const e of batch) e.settle(err instanceof Error ? err : new Error(String(err)));
      }
    }
    queue.busy = false;
    this.editQueues.delete(key);
  }

  /**
   * One JSON Patch for a batch of edits, made against the binding as read: it tests the
   * resourceVersion and each subject it removes at its index (every copy of the subject
   * goes), and appends the subjects it adds. A patch applies whole or not at all, so on a
   * conflict the binding is read again and the batch decided afresh.
   */
  private async patchEdits(ref: BindingRef, edits: readonly QueuedEdit[], initial?: Binding): Promise<('ok' | 'already' | Error)[]> {
    let current: Binding | null | undefined = initial;
    for (let attempt = 1; ; attempt++) {
      current ??= await this.read(ref);
      if (!current) {
        return edits.map((e) => (e.op === 'remove' ? 'already' : new ProviderError(this.name, `binding ${groupName(ref)} does not exist`, { status: 404 })));
      }
      const subjects = [...((current.subjects ?? []) as Subject[])];
      const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion }];
      let hasList = current.subjects !== undefined;
      const results = edits.map((e): 'ok' | 'already' => {
        if (e.op === 'add') {
          if (subjects.some((s) => sameSubject(s, e.subject))) return 'already';
          const value = rbacSubject(e.subject);
          ops.push(hasList ? { op: 'add', path: '/subjects/-', value } : { op: 'add', path: '/subjects', value: [value] });
          hasList = true;
          subjects.push(value);
          return 'ok';
        }
        let removed = false;
        for (let i = subjects.findIndex((s) => sameSubject(s, e.subject)); i >= 0; i = subjects.findIndex((s) => sameSubject(s, e.subject))) {
          ops.push({ op: 'test', path: `/subjects/${i}`, value: plain(subjects[i]!) }, { op: 'remove', path: `/subjects/${i}` });
          subjects.splice(i, 1);
          removed = true;
        }
        return removed ? 'ok' : 'already';
      });
      if (ops.length === 1) return results;
      if (await this.patch(ref, ops, attempt >= MAX_PATCH_ATTEMPTS)) return results;
      this.log.debug(`${groupName(ref)} changed while it was being patched; reading it again`);
      current = null;
    }
  }

  /** The patched binding, or null after a conflict or failed test (the caller re-reads) unless `last`. */
  private async patch(ref: BindingRef, ops: unknown[], last: boolean): Promise<Binding | null> {
    const what = `PATCH ${groupName(ref)}`;
    try {
      return ref.kind === 'ClusterRoleBinding'
        ? await this.api.rbac.patchClusterRoleBinding({ name: ref.name, body: ops }, JSON_PATCH)
        : await this.api.rbac.patchNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace!, body: ops }, JSON_PATCH);
    } catch (e) {
      const code = kubeStatus(e)?.code;
      if ((code === 409 || code === 422) && !last) return null;
      if (code === 409 || code === 422) {
        throw new ProviderError(this.name, this.settings.scrub(`${what}: the binding changed under every one of ${MAX_PATCH_ATTEMPTS} attempts; try again`), {
          status: code,
          transient: code === 409,
          cause: toProviderError(this.name, what, e, this.settings.scrub, this.settings.timeoutMs),
        });
      }
      throw toProviderError(this.name, what, e, this.settings.scrub, this.settings.timeoutMs);
    }
  }

  private async read(ref: BindingRef): Promise<Binding | null> {
    try {
      return ref.kind === 'ClusterRoleBinding'
        ? await this.api.rbac.readClusterRoleBinding({ name: ref.name })
        : await this.api.rbac.readNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace! });
    } catch (e) {
      if (kubeStatus(e)?.code === 404) return null;
      throw toProviderError(this.name, `GET ${groupName(ref)}`, e, this.settings.scrub, this.settings.timeoutMs);
    }
  }

  private async allBindings(): Promise<Binding[]> {
    const [cluster, namespaced] = await Promise.all([this.listAll('ClusterRoleBinding'), this.listAll('RoleBinding')]);
    return [...cluster, ...namespaced];
  }

  /** Every binding of one kind, `limit` at a time; an expired continue token restarts the listing. */
  private async listAll<K extends RbacBinding['kind']>(kind: K): Promise<(RbacBinding & Binding)[]> {
    const what = kind === 'ClusterRoleBinding' ? 'list clusterrolebindings' : 'list rolebindings (all namespaces)';
    const limit = this.settings.pageSize;
    for (let restarts = 0; ; restarts++) {
      const items: (RbacBinding & Binding)[] = [];
      let token: string | undefined;
      try {
        do {
          const page =
            kind === 'ClusterRoleBinding'
              ? await this.api.rbac.listClusterRoleBinding({ limit, ...(token ? { _continue: token } : {}) })
              : await this.api.rbac.listRoleBindingForAllNamespaces({ limit, ...(token ? { _continue: token } : {}) });
          for (const item of page.items) items.push(Object.assign(item, { kind }) as unknown as RbacBinding & Binding);
          token = page.metadata?._continue || undefined;
        } while (token);
        return items;
      } catch (e) {
        if (kubeStatus(e)?.code !== 410 || !token) throw toProviderError(this.name, what, e, this.settings.scrub, this.settings.timeoutMs);
        if (restarts >= MAX_LIST_RESTARTS) {
          throw new ProviderError(
            this.name,
            `${what}: the listing expired ${restarts + 1} times before it was complete (410 Gone); the cluster is changing faster than it can be read`,
            {
              status: 410,
              transient: true,
            },
          );
        }
        this.log.info(`${what}: continue token expired (410 Gone); listing again from the start`);
      }
    }
  }

  private subject(change: PlanChange): PersonSubject {
    const id = change.target.account?.id;
    if (!id) throw new ProviderError(this.name, `change ${change.id} (${change.action}) names no account`);
    const s = subjectOf(id);
    if (!s) throw new ProviderError(this.name, `account ${id} is not a Kubernetes user or group subject (expected User:<name> or Group:<name>)`);
    if (isSystemName(s.name)) {
      throw new ProviderError(this.name, `refusing to ${change.action} ${id}: system: subjects belong to Kubernetes itself and are never changed`);
    }
    return s;
  }

  private binding(change: PlanChange): BindingRef {
    const g = change.target.group;
    if (!g) throw new ProviderError(this.name, `change ${change.id} (${change.action}) names no group`);
    const ref = bindingRefOf(g.id) ?? bindingRefOf(g.name);
    if (!ref) throw new ProviderError(this.name, `group ${g.id} is not a binding (expected clusterrolebinding/NAME or NAMESPACE/rolebinding/NAME)`);
    if (!this.isManaged(groupName(ref)) && !this.isManaged(g.id) && !this.isManaged(g.name)) {
      throw new ProviderError(this.name, `refusing to ${change.action} on ${groupName(ref)}: no policy manages this binding, so Lockstep never changes it`);
    }
    return ref;
  }

  private isManaged(group: string): boolean {
    return this.settings.managed.has(group);
  }
}

const refOf = (b: Binding & { kind?: string }): BindingRef => ({
  kind: b.kind === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding',
  namespace: b.metadata?.namespace,
  name: b.metadata?.name ?? '',
});

const nameOf = (b: Binding): string => groupName(refOf(b));

/** A subject as the server stores it: only the fields that are set. */
function plain(s: Subject): Subject {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as Subject;
}
