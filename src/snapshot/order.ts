import type { ObservedProvider } from '../types/index.js';

/** Ids in code-unit order, the order JavaScript's `<` gives strings. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A provider's observation in canonical order: accounts by id and each group's members by
 * id (groups keep the order the provider gave). What a provider reports is a set, so the
 * order carries nothing; a canonical one makes two observations of the same state write
 * the same snapshot (a diff shows only what changed), and lets planning resolve group
 * members by merging two sorted lists instead of a hash lookup per member (see
 * indexObserved). Returns a new object; the lists are sorted copies.
 */
export function inCanonicalOrder(observed: ObservedProvider): ObservedProvider {
  return {
    ...observed,
    accounts: [...observed.accounts].sort((a, b) => compareIds(a.id, b.id)),
    groups: observed.groups.map((g) => ({ ...g, members: [...g.members].sort(compareIds) })),
  };
}
