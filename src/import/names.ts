import type { PersonSelector } from '../types/index.js';

/** Longest name an import writes (metadata.name allows 253). */
const MAX_NAME = 120;

/** A metadata.name made from free text: lowercase letters, digits, `.`, `_` and `-`. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return s === '' ? 'x' : s.slice(0, MAX_NAME).replace(/[^a-z0-9]+$/, '');
}

/**
 * Hands out unique names: the first to ask for a name gets it, later ones get `-2`,
 * `-3`, ... Callers ask in a fixed order, so the same input always gets the same names.
 */
export class NameBook {
  private readonly taken = new Set<string>();

  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}-${n}`;
    this.taken.add(name);
    return name;
  }
}

/** The role name for a group: provider and group, with a company domain dropped from a group address. */
export function roleName(provider: string, group: string, domains: readonly string[]): string {
  const at = group.lastIndexOf('@');
  const local = at > 0 && domains.includes(group.slice(at + 1).toLowerCase()) ? group.slice(0, at) : group;
  return `${slug(provider)}.${slug(local)}`;
}

const SHORT: Readonly<Record<string, string>> = { department: 'dept', employmentType: 'type', title: 'title', org: 'org' };

/** The assignment name for a selector, e.g. `dept-engineering.type-contractor`. */
export function selectorName(selector: PersonSelector): string {
  const parts = Object.entries(selector).map(([key, value]) => {
    const values = Array.isArray(value) ? value : [value as string];
    return `${SHORT[key] ?? key}-${values.map(slug).join('-')}`;
  });
  return slug(parts.join('.'));
}
