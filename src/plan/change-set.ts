import type { DocPath, Located } from '../policy/model.js';
import type { PlanChange } from '../types/index.js';

/** `file:line` of a node in a policy document, for a change's reason. */
export function sourceOf(doc: Located<unknown>, path: DocPath): string {
  const at = doc.locate(path);
  return `${at.file}:${at.line}`;
}

export function ruleName(doc: Located<{ kind: string; metadata: { name: string } }>): string {
  return `${doc.doc.kind}/${doc.doc.metadata.name}`;
}

/**
 * Collects planned changes by id. Each change has one planner (lifecycle stages own what
 * they remove; drift plans only what no stage has); within a planner, the same action on
 * the same target planned by two rules (two lifecycle rules for one person, a member
 * listed twice) is one change, with the first rule's reason, needing approval if either
 * rule asked for it and privileged if either saw it so.
 */
export class ChangeSet {
  private readonly byId = new Map<string, PlanChange>();

  add(change: PlanChange): void {
    const seen = this.byId.get(change.id);
    if (!seen) {
      this.byId.set(change.id, change);
      return;
    }
    this.byId.set(change.id, {
      ...seen,
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
