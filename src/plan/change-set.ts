import type { DocPath, Located } from '../policy/model.js';
import type { ChangeKind, PlanChange } from '../types/index.js';

/** Which reason wins when two rules plan the same change (same id). */
const KIND_PRIORITY: Record<ChangeKind, number> = {
  lifecycle: 0,
  orphan: 1,
  review: 2,
  exception_expired: 3,
  drift: 4,
  policy: 5,
};

/** `file:line` of a node in a policy document, for a change's reason. */
export function sourceOf(doc: Located<unknown>, path: DocPath): string {
  const at = doc.locate(path);
  return `${at.file}:${at.line}`;
}

export function ruleName(doc: Located<{ kind: string; metadata: { name: string } }>): string {
  return `${doc.doc.kind}/${doc.doc.metadata.name}`;
}

/**
 * Collects planned changes, merging duplicates by id: the same action on the same target
 * planned by two rules is one change, carrying the most specific reason and needing
 * approval if either rule asked for it.
 */
export class ChangeSet {
  private readonly byId = new Map<string, PlanChange>();

  add(change: PlanChange): void {
    const seen = this.byId.get(change.id);
    if (!seen) {
      this.byId.set(change.id, change);
      return;
    }
    const winner = KIND_PRIORITY[change.reason.kind] < KIND_PRIORITY[seen.reason.kind] ? change : seen;
    this.byId.set(change.id, {
      ...winner,
      requiresApproval: seen.requiresApproval || change.requiresApproval,
      tier: seen.tier === 'privileged' || change.tier === 'privileged' ? 'privileged' : 'standard',
    });
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  values(): PlanChange[] {
    return [...this.byId.values()];
  }
}
