import type { Person } from '../roster/model.js';
import type { PersonSelector } from '../types/index.js';

/** The roster attributes an import explains membership by. */
export type CoverAttribute = 'department' | 'title' | 'employmentType' | 'org';

/**
 * The attribute combinations a selector may use, in order of preference when two cover
 * as many members: one attribute before two, the broad ones (department, employment
 * type, company) before the narrow ones (title).
 */
const ATTRIBUTE_SETS: readonly (readonly CoverAttribute[])[] = [
  ['department'],
  ['employmentType'],
  ['org'],
  ['title'],
  ['department', 'employmentType'],
  ['org', 'employmentType'],
  ['department', 'title'],
  ['title', 'employmentType'],
];

/** A selector that would cover fewer members than this is not worth it: those few are listed by name. */
export const MIN_SELECTOR_MEMBERS = 2;

/**
 * The people an import may grant access to, sorted into classes: people with the same
 * (lowercased) department, title, employment type and company. A selector over those
 * attributes takes a class whole or not at all, so whether it is exact for a group is a
 * question about classes, not people.
 */
export interface Population {
  /** Class of each roster position; -1 for a person not entitled to access (never counted). */
  readonly classOf: Int32Array;
  readonly classes: readonly PersonClass[];
  /** Per attribute set (by its index in ATTRIBUTE_SETS): projection key → the classes sharing it. */
  readonly projections: readonly ReadonlyMap<string, readonly number[]>[];
}

interface PersonClass {
  /** Values as the roster first wrote them ('' when empty). */
  readonly values: Readonly<Record<CoverAttribute, string>>;
  readonly lower: Readonly<Record<CoverAttribute, string>>;
  /** Entitled people in the class. */
  readonly size: number;
}

const ATTRIBUTES: readonly CoverAttribute[] = ['department', 'title', 'employmentType', 'org'];

function valueOf(p: Person, a: CoverAttribute): string {
  return a === 'employmentType' ? (p.employmentType ?? '') : p[a];
}

/** Classes of the people `entitled` says may hold access; built once per import. */
export function buildPopulation(people: readonly Person[], entitled: (position: number) => boolean): Population {
  const classOf = new Int32Array(people.length).fill(-1);
  const index = new Map<string, number>();
  const classes: { values: Record<CoverAttribute, string>; lower: Record<CoverAttribute, string>; size: number }[] = [];
  people.forEach((p, position) => {
    if (!entitled(position)) return;
    const key = ATTRIBUTES.map((a) => p.lower[a]).join('\u0000');
    let c = index.get(key);
    if (c === undefined) {
      index.set(key, (c = classes.length));
      const values = {} as Record<CoverAttribute, string>;
      const lower = {} as Record<CoverAttribute, string>;
      for (const a of ATTRIBUTES) {
        values[a] = valueOf(p, a).trim();
        lower[a] = p.lower[a];
      }
      classes.push({ values, lower, size: 0 });
    }
    classes[c]!.size++;
    classOf[position] = c;
  });
  const projections = ATTRIBUTE_SETS.map((set) => {
    const map = new Map<string, number[]>();
    classes.forEach((c, i) => {
      if (set.some((a) => c.lower[a] === '')) return; // an empty value selects nobody
      const key = projectionKey(c, set);
      const list = map.get(key);
      if (list) list.push(i);
      else map.set(key, [i]);
    });
    return map;
  });
  return { classOf, classes, projections };
}

function projectionKey(c: PersonClass, set: readonly CoverAttribute[]): string {
  return set.map((a) => c.lower[a]).join('\u0000');
}

/** How a group's members are explained: selectors that add nobody, and the rest by name. */
export interface MemberCover {
  /** Exact selectors: together they select every covered member and no one else entitled. */
  readonly selectors: readonly PersonSelector[];
  /** Roster positions of the members no selector covers, ascending: listed by name. */
  readonly explicit: readonly number[];
  /** Members the selectors cover. */
  readonly covered: number;
}

interface Candidate {
  readonly set: number;
  readonly classes: readonly number[];
}

/**
 * Covers a group's members (roster positions of entitled people) greedily with selectors
 * of precision 100%: a selector is a candidate only when every entitled person it selects
 * is a member today, so that planning against today's state adds no one. Each round takes
 * the candidate covering the most members not yet covered (ties: fewer attributes, then
 * ATTRIBUTE_SETS order, then value order), until none covers MIN_SELECTOR_MEMBERS; the
 * members left over are listed by name. Selectors on the same attributes are merged into
 * one with lists of values.
 */
export function coverMembers(population: Population, members: readonly number[]): MemberCover {
  const { classes, classOf, projections } = population;
  const inGroup = new Map<number, number>();
  for (const position of members) {
    const c = classOf[position]!;
    if (c >= 0) inGroup.set(c, (inGroup.get(c) ?? 0) + 1);
  }
  const pure = (c: number): boolean => inGroup.get(c) === classes[c]!.size;

  const candidates: Candidate[] = [];
  projections.forEach((map, set) => {
    const seen = new Set<string>();
    for (const c of inGroup.keys()) {
      if (!pure(c)) continue;
      const cls = classes[c]!;
      if (ATTRIBUTE_SETS[set]!.some((a) => cls.lower[a] === '')) continue;
      const key = projectionKey(cls, ATTRIBUTE_SETS[set]!);
      if (seen.has(key)) continue;
      seen.add(key);
      const sharing = map.get(key)!;
      if (sharing.every(pure)) candidates.push({ set, classes: sharing });
    }
  });

  const covered = new Set<number>();
  const chosen: Candidate[] = [];
  for (;;) {
    let best: Candidate | null = null;
    let bestGain = 0;
    for (const cand of candidates) {
      let gain = 0;
      for (const c of cand.classes) if (!covered.has(c)) gain += classes[c]!.size;
      if (gain > bestGain || (gain === bestGain && best !== null && preferred(cand, best, classes))) {
        best = cand;
        bestGain = gain;
      }
    }
    if (!best || bestGain < MIN_SELECTOR_MEMBERS) break;
    chosen.push(best);
    for (const c of best.classes) covered.add(c);
  }

  const explicit = members.filter((position) => !covered.has(classOf[position]!));
  return { selectors: mergeSelectors(chosen, classes), explicit, covered: members.length - explicit.length };
}

function preferred(a: Candidate, b: Candidate, classes: readonly PersonClass[]): boolean {
  const la = ATTRIBUTE_SETS[a.set]!.length;
  const lb = ATTRIBUTE_SETS[b.set]!.length;
  if (la !== lb) return la < lb;
  if (a.set !== b.set) return a.set < b.set;
  return projectionKey(classes[a.classes[0]!]!, ATTRIBUTE_SETS[a.set]!) < projectionKey(classes[b.classes[0]!]!, ATTRIBUTE_SETS[b.set]!);
}

/**
 * Chosen selectors as policy selectors: one per attribute set for single attributes (a
 * list of values), and for two attributes one per value of the first (a list of the
 * second's). A union of exact selectors is exact, so merging keeps precision.
 */
function mergeSelectors(chosen: readonly Candidate[], classes: readonly PersonClass[]): PersonSelector[] {
  interface Merged {
    readonly set: number;
    /** The first attribute and its value, for a two-attribute set. */
    readonly fixed: readonly [CoverAttribute, string] | null;
    readonly listed: CoverAttribute;
    readonly values: Set<string>;
  }
  const merged = new Map<string, Merged>();
  for (const cand of chosen) {
    const set = ATTRIBUTE_SETS[cand.set]!;
    const cls = classes[cand.classes[0]!]!;
    const fixed = set.length === 2 ? ([set[0]!, cls.values[set[0]!]] as const) : null;
    const listed = set[set.length - 1]!;
    const key = `${cand.set}\u0000${fixed ? cls.lower[fixed[0]] : ''}`;
    const entry = merged.get(key) ?? { set: cand.set, fixed, listed, values: new Set<string>() };
    entry.values.add(cls.values[listed]);
    merged.set(key, entry);
  }
  const byOrder = (x: Merged, y: Merged): number => x.set - y.set || compare(x.fixed?.[1] ?? '', y.fixed?.[1] ?? '');
  return [...merged.values()].sort(byOrder).map((m) => {
    const values = [...m.values].sort(compare);
    const selector: PersonSelector = m.fixed ? { [m.fixed[0]]: m.fixed[1] } : {};
    selector[m.listed] = values.length === 1 ? values[0]! : (values as [string, ...string[]]);
    return selector;
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
