import type { EffectiveDiff } from '../../src/diff/effective.js';

/**
 * A pull request's access diff in which `people` people each gain one of 40 Okta groups
 * (every tenth privileged), with a YAML patch of five lines a person: large enough, for
 * thousands, to overflow a GitHub comment.
 */
export function anEffectiveDiff(people: number): EffectiveDiff {
  const gained = (i: number) => [{ provider: 'okta', group: `Group ${i % 40}`, via: ['RoleProfile/sales'], privileged: i % 10 === 0 }];
  return {
    formatVersion: '1.0',
    base: { ref: 'origin/main', commit: 'a'.repeat(40) },
    head: { ref: 'HEAD', commit: 'b'.repeat(40) },
    now: '2026-11-20T09:00:00.000Z',
    summary: {
      peopleGaining: people,
      peopleLosing: 0,
      grantsGained: people,
      grantsLost: 0,
      privilegedGained: Math.ceil(people / 10),
      settingsChanged: 0,
      widening: people,
      filesChanged: 1,
    },
    people: Array.from({ length: people }, (_, i) => ({ person: `person${i}@acme.com`, gained: gained(i), lost: [] })),
    groups: Array.from({ length: 40 }, (_, i) => ({
      provider: 'okta',
      group: `Group ${i}`,
      privileged: i % 10 === 0,
      managed: { before: true, after: true },
      gained: [],
      lost: [],
    })),
    settings: [],
    files: [{ path: 'roles.yaml', status: 'modified', patch: `--- a/roles.yaml\n+++ b/roles.yaml\n${'+ a line of YAML\n'.repeat(people * 5)}` }],
  };
}
