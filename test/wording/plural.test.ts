import { describe, expect, it } from 'vitest';
import { violationLabel } from '../../src/render/describe.js';
import { plural } from '../../src/wording/plural.js';

describe('counting in output', () => {
  it('puts the noun in the number the count takes, with an irregular plural when given', () => {
    expect([0, 1, 2].map((n) => plural(n, 'day'))).toEqual(['0 days', '1 day', '2 days']);
    expect([1, 3].map((n) => plural(n, 'person', 'people'))).toEqual(['1 person', '3 people']);
  });

  it('guard violations say "1 active member" and "1 active account"', () => {
    expect(violationLabel({ kind: 'min_members', provider: 'okta', group: 'Admins', current: 2, removing: 1, fraction: 0.5, threshold: 2 })).toBe(
      'min_members okta "Admins": would leave 1 active member, fewer than 2',
    );
    expect(violationLabel({ kind: 'mass_suspend', provider: 'app', current: 1, removing: 1, fraction: 1, threshold: 0.1 })).toBe(
      'mass_suspend app: suspending or deleting 1 of 1 active account (100% > 10%)',
    );
  });
});
