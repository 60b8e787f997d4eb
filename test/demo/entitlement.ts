import type { DemoDocument } from '../../src/demo/model.js';
import type { PersonSelector, RosterRow, Snapshot } from '../../src/types/index.js';

/**
 * Reads the policy documents the way SPEC §3 defines entitlement (assignments select
 * people, roles grant groups), independently of the generator's own role model, so the
 * tests check the generated memberships against what the documents say.
 */
const COLUMN: Record<keyof PersonSelector, keyof RosterRow> = {
  employeeId: 'employee_id',
  email: 'email',
  department: 'department',
  title: 'title',
  employmentType: 'employment_type',
  status: 'status',
  org: 'org',
  managerEmail: 'manager_email',
};

export const key = (provider: string, group: string): string => `${provider}\u0000${group}`;

function selects(select: PersonSelector, row: RosterRow): boolean {
  return (Object.keys(select) as (keyof PersonSelector)[]).every((k) => {
    const want = select[k];
    const values = Array.isArray(want) ? want : [want];
    return values.includes(String(row[COLUMN[k]] ?? ''));
  });
}

/** Grants by lowercased email, from roles and assignments only (no exceptions, whatever the status). */
export function roleGrants(documents: readonly DemoDocument[], roster: readonly RosterRow[]): Map<string, Set<string>> {
  const roles = new Map<string, string[]>();
  for (const d of documents)
    if (d.kind === 'RoleProfile')
      roles.set(
        d.metadata.name,
        d.spec.grants.map((g) => key(g.provider, g.group)),
      );
  const out = new Map<string, Set<string>>();
  for (const row of roster) out.set(row.email.toLowerCase(), new Set());
  for (const d of documents) {
    if (d.kind !== 'RoleAssignment') continue;
    const grants = d.spec.roles.flatMap((r) => roles.get(r) ?? []);
    const listed = new Set((d.spec.people ?? []).map((e) => e.toLowerCase()));
    for (const row of roster) {
      if ((d.spec.select && selects(d.spec.select, row)) || listed.has(row.email.toLowerCase())) {
        for (const g of grants) out.get(row.email.toLowerCase())?.add(g);
      }
    }
  }
  return out;
}

export function managedGroups(documents: readonly DemoDocument[]): Set<string> {
  return new Set(documents.flatMap((d) => (d.kind === 'RoleProfile' ? d.spec.grants.map((g) => key(g.provider, g.group)) : [])));
}

/** Roster rows by every email they are known by (primary and aliases), lowercased. */
export function byAnyEmail(roster: readonly RosterRow[]): Map<string, RosterRow> {
  const out = new Map<string, RosterRow>();
  for (const row of roster) {
    const aliases = typeof row.aliases === 'string' ? row.aliases.split(';') : (row.aliases ?? []);
    for (const e of [row.email, ...aliases]) if (e) out.set(e.toLowerCase(), row);
  }
  return out;
}

/** Memberships of managed groups that the roles do not grant, as `provider/group/login`. */
export function unentitledMemberships(documents: readonly DemoDocument[], roster: readonly RosterRow[], snapshot: Snapshot): string[] {
  const grants = roleGrants(documents, roster);
  const managed = managedGroups(documents);
  const people = byAnyEmail(roster);
  const out: string[] = [];
  for (const [provider, observed] of Object.entries(snapshot.providers)) {
    const loginOf = new Map(observed.accounts.map((a) => [a.id, a.login]));
    for (const g of observed.groups) {
      if (!managed.has(key(provider, g.name))) continue;
      for (const id of g.members) {
        const login = loginOf.get(id) ?? id;
        const row = people.get(login.toLowerCase());
        if (!row || !grants.get(row.email.toLowerCase())?.has(key(provider, g.name))) out.push(`${provider}/${g.name}/${login}`);
      }
    }
  }
  return out.sort();
}
