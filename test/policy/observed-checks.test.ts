import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { loadPolicy } from '../../src/run/load-policy.js';
import type { Policy } from '../../src/policy/model.js';
import { checkAgainstSnapshot } from '../../src/policy/observed-checks.js';
import type { ObservedProvider, Snapshot } from '../../src/types/index.js';

const FILE = 'test/fixtures/policy/spec-example/policy.yaml';

function provider(type: string, ...groups: string[]): ObservedProvider {
  return { type, accounts: [], groups: groups.map((name, i) => ({ id: `g${i}`, name, members: [] })) };
}

/** A snapshot of every provider the SPEC example names, with the groups it needs. */
function snapshot(overrides: Record<string, ObservedProvider | undefined> = {}): Snapshot {
  const providers: Record<string, ObservedProvider | undefined> = {
    'okta-main': provider('okta', 'Salesforce Users', 'Okta Admins', 'Jira Users'),
    gws: provider('google', 'sales@acme.com'),
    entra: provider('entra'),
    'k8s-prod': provider('kubernetes'),
    zendesk: provider('scim'),
    vpn: provider('manual'),
    ...overrides,
  };
  const present = Object.entries(providers).filter((e): e is [string, ObservedProvider] => e[1] !== undefined);
  return { formatVersion: '1.0', observedAt: '2026-11-22T00:00:00Z', providers: Object.fromEntries(present) };
}

describe('checkAgainstSnapshot', () => {
  let policy: Policy;
  beforeAll(async () => {
    policy = await loadPolicy('test/fixtures/policy/spec-example');
  });

  it('finds nothing wrong when every granted group exists', () => {
    expect(checkAgainstSnapshot(policy, snapshot())).toEqual({ problems: [], warnings: [] });
  });

  it('reports a granted group that does not exist at the grant, suggesting a near name', () => {
    const result = checkAgainstSnapshot(policy, snapshot({ 'okta-main': provider('okta', 'Salesforce Userz', 'Okta Admins') }));
    expect(result.problems.map(formatProblem)).toEqual([
      `${FILE}:31:37: group "Salesforce Users" does not exist in provider okta-main (did you mean "Salesforce Userz"?)`,
    ]);
  });

  it('compares names case-sensitively but suggests the other case', () => {
    const result = checkAgainstSnapshot(policy, snapshot({ gws: provider('google', 'Sales@acme.com') }));
    expect(result.problems.map(formatProblem)).toEqual([`${FILE}:32:31: group "sales@acme.com" does not exist in provider gws (did you mean "Sales@acme.com"?)`]);
  });

  it('reports a minMembers group that does not exist at the invariant', () => {
    const result = checkAgainstSnapshot(policy, snapshot({ 'okta-main': provider('okta', 'Salesforce Users', 'Engineering') }));
    expect(result.problems.map(formatProblem)).toEqual([`${FILE}:19:37: group "Okta Admins" does not exist in provider okta-main`]);
  });

  it('warns about a provider the snapshot lacks and does not check its groups', () => {
    const result = checkAgainstSnapshot(policy, snapshot({ gws: undefined }));
    expect(result.problems).toEqual([]);
    expect(result.warnings.map(formatProblem)).toEqual([`${FILE}:9:10: provider gws is not in the snapshot; its groups were not checked`]);
  });

  it('reports a provider whose observed type differs from the Config', () => {
    const result = checkAgainstSnapshot(policy, snapshot({ gws: provider('entra', 'sales@acme.com') }));
    expect(result.problems.map(formatProblem)).toEqual([`${FILE}:9:18: provider gws is type google in the Config but entra in the snapshot`]);
  });
});
