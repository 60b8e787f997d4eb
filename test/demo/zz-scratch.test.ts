import { it } from 'vitest';
import { generateOrg } from '../../src/demo/org.js';
it('100k', () => {
  const P = [{ name: 'okta', type: 'okta' }, { name: 'gws', type: 'google' }, { name: 'entra', type: 'entra' }, { name: 'zendesk', type: 'scim' }, { name: 'vpn', type: 'manual' }] as const;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const org = generateOrg({ people: 100_000, providers: P, now: new Date('2026-03-02T12:00:00Z') });
    const t2 = performance.now();
    console.log('gen ms', Math.round(t2 - t), Object.values(org.snapshot.providers).map(p => p.accounts.length), JSON.stringify(org.snapshot).length);
  }
});
