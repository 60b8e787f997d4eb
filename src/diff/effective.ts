import { createTwoFilesPatch } from 'diff';
import { canonicalJson } from '../journal/canonical-json.js';
import type { Located, Policy } from '../policy/model.js';
import type { Person } from '../roster/model.js';
import { desiredState } from '../plan/desired.js';
import type { Entitlement } from '../plan/entitlements.js';
import { managedGroups } from '../policy/managed-groups.js';

/** One side of a diff: a policy at a commit (or the work tree) and its files' text. */
export interface DiffSide {
  readonly label: string;
  readonly commit: string | null;
  readonly policy: Policy;
  readonly files: ReadonlyMap<string, string>;
}

export interface GrantChange {
  readonly provider: string;
  readonly group: string;
  /** What grants it on the side that has it: `RoleProfile/NAME` or `Exception/NAME`. */
  readonly via: readonly string[];
  /** The group is granted by a privileged role. */
  readonly privileged: boolean;
}

export interface PersonDiff {
  readonly person: string;
  readonly gained: readonly GrantChange[];
  readonly lost: readonly GrantChange[];
}

export interface GroupDiff {
  readonly provider: string;
  readonly group: string;
  readonly privileged: boolean;
  /** Whether any role names the group, before and after (a group no role names is unmanaged). */
  readonly managed: { readonly before: boolean; readonly after: boolean };
  readonly gained: readonly string[];
  readonly lost: readonly string[];
}

export type SettingKind = 'guard' | 'minMembers' | 'protected' | 'lifecycle' | 'role';

export interface SettingDiff {
  readonly kind: SettingKind;
  /** A guard key (`maxGroupRemovalFraction`), a lifecycle rule or role name. */
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before: unknown;
  readonly after: unknown;
  /** The change weakens a safeguard or widens access (a higher guard threshold, a role granting more, fewer protected accounts). */
  readonly widens: boolean;
  readonly privileged: boolean;
}

export interface FileDiff {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'modified';
  /** Unified diff of the file's text. */
  readonly patch: string;
}

export interface EffectiveDiff {
  readonly formatVersion: '1.0';
  readonly base: { readonly ref: string; readonly commit: string | null };
  readonly head: { readonly ref: string; readonly commit: string | null };
  readonly now: string;
  readonly summary: {
    readonly peopleGaining: number;
    readonly peopleLosing: number;
    readonly grantsGained: number;
    readonly grantsLost: number;
    readonly privilegedGained: number;
    readonly settingsChanged: number;
    readonly widening: number;
    readonly filesChanged: number;
  };
  readonly people: readonly PersonDiff[];
  readonly groups: readonly GroupDiff[];
  readonly settings: readonly SettingDiff[];
  readonly files: readonly FileDiff[];
}

interface Held {
  readonly provider: string;
  readonly group: string;
  readonly via: string[];
}

/** Everything each person should hold on one side: role grants and live exceptions. */
function holdings(entitlements: readonly Entitlement[]): Map<string, Map<string, Held>> {
  const out = new Map<string, Map<string, Held>>();
  for (const e of entitlements) {
    const mine = new Map<string, Held>();
    for (const [key, origin] of e.grants) {
      const g = origin.role.doc.spec.grants[origin.grantIndex]!;
      add(mine, key, g.provider, g.group, `RoleProfile/${origin.role.doc.metadata.name}`);
    }
    if (e.entitled) {
      for (const [key, ex] of e.exceptions) {
        const g = ex.doc.spec.grants.find((x) => `${x.provider}\u0000${x.group}` === key);
        if (g) add(mine, key, g.provider, g.group, `Exception/${ex.doc.metadata.name}`);
      }
    }
    if (mine.size > 0) out.set(e.person.email, mine);
  }
  return out;
}

function add(map: Map<string, Held>, key: string, provider: string, group: string, via: string): void {
  const held = map.get(key);
  if (held) {
    if (!held.via.includes(via)) held.via.push(via);
  } else {
    map.set(key, { provider, group, via: [via] });
  }
}

const byGroup = (a: { provider: string; group: string }, b: { provider: string; group: string }): number =>
  a.provider.localeCompare(b.provider) || a.group.localeCompare(b.group);

/**
 * The effective access diff between two versions of the policy, resolved against the same
 * roster at the same instant: per person the grants gained and lost, per group the members
 * gained and lost, the safeguards changed, and the text diff of every file. Pure.
 */
export function effectiveAccessDiff(base: DiffSide, head: DiffSide, people: readonly Person[], now: Date): EffectiveDiff {
  const nowMs = now.getTime();
  const before = holdings(desiredState(base.policy, people, nowMs).entitlements);
  const after = holdings(desiredState(head.policy, people, nowMs).entitlements);
  const managedBefore = managedGroups(base.policy);
  const managedAfter = managedGroups(head.policy);
  const privileged = (key: string): boolean => managedAfter.get(key)?.tier === 'privileged' || managedBefore.get(key)?.tier === 'privileged';

  const change = (key: string, h: Held): GrantChange => ({ provider: h.provider, group: h.group, via: [...h.via].sort(), privileged: privileged(key) });
  const personDiffs: PersonDiff[] = [];
  const groups = new Map<string, { provider: string; group: string; gained: string[]; lost: string[] }>();
  const touch = (key: string, h: Held) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { provider: h.provider, group: h.group, gained: [], lost: [] }));
    return g;
  };
  for (const email of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(email) ?? new Map<string, Held>();
    const a = after.get(email) ?? new Map<string, Held>();
    const gained = [...a].filter(([k]) => !b.has(k)).map(([k, h]) => (touch(k, h).gained.push(email), change(k, h)));
    const lost = [...b].filter(([k]) => !a.has(k)).map(([k, h]) => (touch(k, h).lost.push(email), change(k, h)));
    if (gained.length || lost.length) personDiffs.push({ person: email, gained: gained.sort(byGroup), lost: lost.sort(byGroup) });
  }
  const groupDiffs: GroupDiff[] = [...groups]
    .map(([key, g]) => ({ ...g, privileged: privileged(key), managed: { before: managedBefore.has(key), after: managedAfter.has(key) } }))
    .sort(byGroup);

  const settings = settingDiffs(base.policy, head.policy);
  const files = fileDiffs(base, head);
  const allGained = personDiffs.flatMap((p) => p.gained);
  return {
    formatVersion: '1.0',
    base: { ref: base.label, commit: base.commit },
    head: { ref: head.label, commit: head.commit },
    now: now.toISOString(),
    summary: {
      peopleGaining: personDiffs.filter((p) => p.gained.length > 0).length,
      peopleLosing: personDiffs.filter((p) => p.lost.length > 0).length,
      grantsGained: allGained.length,
      grantsLost: personDiffs.reduce((n, p) => n + p.lost.length, 0),
      privilegedGained: allGained.filter((g) => g.privileged).length,
      settingsChanged: settings.length,
      widening: allGained.length + settings.filter((s) => s.widens).length,
      filesChanged: files.length,
    },
    people: personDiffs,
    groups: groupDiffs,
    settings,
    files,
  };
}

/** Guard thresholds where a higher value protects less. */
const LOOSER_WHEN_HIGHER = new Set(['maxGroupRemovalFraction', 'maxSuspendFraction', 'minGroupSize']);

function settingDiffs(base: Policy, head: Policy): SettingDiff[] {
  const out: SettingDiff[] = [];
  const b = base.config.doc.spec;
  const a = head.config.doc.spec;
  const bg = (b.guard ?? {}) as Record<string, unknown>;
  const ag = (a.guard ?? {}) as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(bg), ...Object.keys(ag)])].sort()) {
    const x = bg[key];
    const y = ag[key];
    if (same(x, y)) continue;
    const widens = LOOSER_WHEN_HIGHER.has(key) ? typeof y !== 'number' || typeof x !== 'number' || y > x : key === 'overrides';
    out.push({
      kind: 'guard',
      name: key,
      change: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed',
      before: x ?? null,
      after: y ?? null,
      widens,
      privileged: false,
    });
  }
  if (!same(b.minMembers ?? [], a.minMembers ?? [])) {
    out.push({
      kind: 'minMembers',
      name: 'minMembers',
      change: 'changed',
      before: b.minMembers ?? [],
      after: a.minMembers ?? [],
      widens: (a.minMembers ?? []).length < (b.minMembers ?? []).length,
      privileged: false,
    });
  }
  if (!same(b.protected ?? [], a.protected ?? [])) {
    // Fewer protected accounts is not wider access; more protected accounts exempts them from the policy.
    out.push({
      kind: 'protected',
      name: 'protected',
      change: 'changed',
      before: b.protected ?? [],
      after: a.protected ?? [],
      widens: (a.protected ?? []).length > (b.protected ?? []).length,
      privileged: false,
    });
  }
  out.push(...namedDiffs('lifecycle', base.lifecycleRules, head.lifecycleRules, () => false));
  out.push(
    ...namedDiffs('role', [...base.roles.values()], [...head.roles.values()], (x, y) => {
      const grants = (r: unknown) => new Set(((r as { grants?: { provider: string; group: string }[] })?.grants ?? []).map((g) => `${g.provider}\u0000${g.group}`));
      const was = grants(x);
      return [...grants(y)].some((g) => !was.has(g));
    }),
  );
  return out;
}

function namedDiffs(
  kind: SettingKind,
  base: ReadonlyArray<Located<{ metadata: { name: string }; spec: unknown }>>,
  head: ReadonlyArray<Located<{ metadata: { name: string }; spec: unknown }>>,
  widens: (before: unknown, after: unknown) => boolean,
): SettingDiff[] {
  const b = new Map(base.map((d) => [d.doc.metadata.name, d.doc.spec]));
  const a = new Map(head.map((d) => [d.doc.metadata.name, d.doc.spec]));
  const isPrivileged = (spec: unknown) => (spec as { tier?: string } | undefined)?.tier === 'privileged';
  const out: SettingDiff[] = [];
  for (const name of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const x = b.get(name);
    const y = a.get(name);
    if (same(x, y)) continue;
    out.push({
      kind,
      name,
      change: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed',
      before: x ?? null,
      after: y ?? null,
      widens: y !== undefined && widens(x, y),
      privileged: isPrivileged(x) || isPrivileged(y),
    });
  }
  return out;
}

const same = (x: unknown, y: unknown): boolean => canonicalJson(x ?? null) === canonicalJson(y ?? null);

function fileDiffs(base: DiffSide, head: DiffSide): FileDiff[] {
  const out: FileDiff[] = [];
  for (const path of [...new Set([...base.files.keys(), ...head.files.keys()])].sort()) {
    const x = base.files.get(path);
    const y = head.files.get(path);
    if (x === y) continue;
    const status = x === undefined ? 'added' : y === undefined ? 'removed' : 'modified';
    const patch = createTwoFilesPatch(x === undefined ? '/dev/null' : `a/${path}`, y === undefined ? '/dev/null' : `b/${path}`, x ?? '', y ?? '', base.label, head.label);
    out.push({ path, status, patch });
  }
  return out;
}
