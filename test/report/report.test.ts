import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.js';
import { renderReportMarkdown, renderReportText } from '../../src/report/render.js';
import type { Person } from '../../src/roster/model.js';
import type { Finding, JournalRecord, Plan } from '../../src/types/index.js';
import { aWorld } from '../plan/world.js';

const NOW = new Date('2026-11-20T09:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let seq = 0;
function record(r: Partial<JournalRecord>): JournalRecord {
  seq++;
  return { seq, time: at(0), runId: 'r', actor: 'test', type: 'change', prev: '0'.repeat(64), hash: '0'.repeat(64), ...r };
}
const contain = (
  person: string,
  action: string,
  triggerAt: string,
  time: string,
  result: 'ok' | 'already' | 'failed',
  tier: 'privileged' | 'standard' = 'standard',
  provider = 'app',
) =>
  record({
    changeId: `${person}-${action}`.slice(0, 16),
    provider,
    action,
    person,
    triggerAt,
    time,
    result,
    tier,
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: '', trigger: 'terminated' },
  });
const finding = (kind: Finding['kind'], login: string, person: string | null = null): Finding => ({
  id: '0'.repeat(16),
  kind,
  severity: 'high',
  provider: 'app',
  account: { id: login, login },
  person,
  message: `${kind} ${login}`,
});

describe('lockstep report figures', () => {
  const policy = aWorld('2026-11-20T09:00:00Z')
    .withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2' })
    .withException('keeps-access', { person: 'dee@acme.com', grants: [{ provider: 'app', group: 'Finance' }], reason: 'audit', expires: '2026-12-20' })
    .withException('ends-soon', { person: 'eve@acme.com', grants: [{ provider: 'app', group: 'Legal' }], reason: 'case', expires: '2026-11-25' })
    .withException('lapsed', { person: 'fay@acme.com', grants: [{ provider: 'app', group: 'Legal' }], reason: 'case', expires: '2026-11-17' })
    .withConfig({ reports: { seatPrices: { app: 12.5 }, currency: 'EUR' } })
    .policy();
  const plan = {
    policy: { name: 'acme', commit: null, digest: '' },
    findings: [
      finding('former_with_access', 'amy@acme.com', 'amy@acme.com'),
      finding('former_with_access', 'amy.old@acme.com', 'amy@acme.com'),
      finding('orphan', 'temp@acme.com'),
      finding('dormant', 'zed@acme.com', 'zed@acme.com'),
    ],
  } as unknown as Plan;
  const people = [{ email: 'amy@acme.com', endAt: NOW.getTime() - 10 * DAY }] as unknown as Person[];
  const T0 = at(-3 * DAY);
  const T1 = at(-4 * DAY);
  const T2 = at(-5 * DAY);
  const journal = [
    // Amy, privileged: contained 20 minutes after her termination.
    contain('amy@acme.com', 'suspend', T0, at(-3 * DAY + 10 * MIN), 'ok', 'privileged'),
    contain('amy@acme.com', 'revoke_sessions', T0, at(-3 * DAY + 20 * MIN), 'ok', 'standard'),
    // Bob, standard: contained after 30 hours — an SLA breach.
    contain('bob@acme.com', 'suspend', T1, at(-4 * DAY + 30 * HOUR), 'already'),
    // Cal: one containment change failed, so he is not contained yet.
    contain('cal@acme.com', 'suspend', T2, at(-5 * DAY + 2 * HOUR), 'ok'),
    contain('cal@acme.com', 'revoke_tokens', T2, at(-5 * DAY + 3 * HOUR), 'failed'),
    // Manual work: one task still open for 5 days, one opened and then confirmed.
    record({
      changeId: 'task0000000000t1',
      provider: 'vpn',
      action: 'task',
      person: 'amy@acme.com',
      time: at(-5 * DAY),
      result: 'pending',
      detail: 'task for netops@acme.com: revoke_sessions; open',
    }),
    record({
      changeId: 'task0000000000t2',
      provider: 'vpn',
      action: 'task',
      person: 'bob@acme.com',
      time: at(-6 * DAY),
      result: 'pending',
      detail: 'task for netops@acme.com: suspend',
    }),
    record({
      changeId: 'task0000000000t2',
      provider: 'vpn',
      action: 'task',
      person: 'bob@acme.com',
      time: at(-2 * DAY),
      result: 'ok',
      detail: 'task for netops@acme.com: suspend',
    }),
  ];
  const report = buildReport({ plan, policy, people, journal, now: NOW });

  it('lists former employees with access, with days since termination', () => {
    expect(report.formerWithAccess).toEqual([
      {
        person: 'amy@acme.com',
        terminatedAt: '2026-11-10T09:00:00.000Z',
        daysSince: 10,
        accounts: [expect.objectContaining({ login: 'amy@acme.com' }), expect.objectContaining({ login: 'amy.old@acme.com' })],
      },
    ]);
    expect(report.orphans.map((o) => o.login)).toEqual(['temp@acme.com']);
    expect(report.dormant.map((d) => d.login)).toEqual(['zed@acme.com']);
  });

  it('sorts exceptions into active, expiring within 14 days and expired', () => {
    expect(report.exceptions.active.map((e) => e.name)).toEqual(['keeps-access']);
    expect(report.exceptions.expiring).toEqual([{ name: 'ends-soon', person: 'eve@acme.com', grants: ['app/Legal'], expires: '2026-11-25', daysLeft: 5 }]);
    expect(report.exceptions.expired.map((e) => e.name)).toEqual(['lapsed']);
  });

  it('computes time to revoke per tier from the journal, with SLA breaches', () => {
    expect(report.mttrevoke.privileged).toEqual({ count: 1, p50Seconds: 1200, p95Seconds: 1200, maxSeconds: 1200, slaSeconds: 3600, breaches: [] });
    expect(report.mttrevoke.standard).toMatchObject({ count: 1, p50Seconds: 108_000, maxSeconds: 108_000, slaSeconds: 86_400 });
    expect(report.mttrevoke.standard.breaches).toEqual([{ person: 'bob@acme.com', seconds: 108_000, containedAt: at(-4 * DAY + 30 * HOUR) }]);
  });

  it('counts automation coverage, open tasks with their age and licences reclaimable', () => {
    expect(report.automation).toEqual([
      { provider: 'app', automated: 4, manual: 0, coverage: 1 },
      { provider: 'vpn', automated: 0, manual: 2, coverage: 0 },
    ]);
    expect(report.openTasks).toEqual([
      { changeId: 'task0000000000t1', provider: 'vpn', person: 'amy@acme.com', action: 'revoke_sessions', since: at(-5 * DAY), ageDays: 5 },
    ]);
    expect(report.licences).toEqual({ currency: 'EUR', total: 50, byProvider: [{ provider: 'app', seats: 4, seatPrice: 12.5, monthly: 50 }] });
  });

  it('groups the journal by week for trends', () => {
    expect(report.trends.map((t) => t.week)).toEqual(['2026-11-09', '2026-11-16']);
    expect(report.trends.reduce((n, t) => n + t.peopleContained, 0)).toBe(2);
  });

  it('renders text and markdown with the figures', () => {
    const text = renderReportText(report);
    expect(text).toContain('Former employees with access: 1');
    expect(text).toContain('privileged: 1 contained, p50 20 min');
    expect(text).toContain('SLA breach: bob@acme.com after 30.0 h');
    expect(text).toContain('Licences reclaimable: 50 EUR/month');
    expect(renderReportMarkdown(report)).toContain('| standard | 1 | 30.0 h | 30.0 h | 30.0 h | 24.0 h | 1 |');
  });
});

describe('the HTML report', () => {
  it('is one self-contained page: charts as inline SVG, no script, no external resource, text escaped', async () => {
    const { renderReportHtml } = await import('../../src/report/html.js');
    const { buildReport: build } = await import('../../src/report/build.js');
    const policy = aWorld('2026-11-20T09:00:00Z').withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2' }).policy();
    const plan = { policy: { name: 'acme <ops>', commit: null, digest: '' }, findings: [finding('orphan', 'x<script>@acme.com')] } as unknown as Plan;
    const journal = [contain('amy@acme.com', 'suspend', at(-DAY), at(-DAY + 30 * MIN), 'ok', 'privileged')];
    const html = renderReportHtml(build({ plan, policy, people: [], journal, now: NOW }));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|src=|href=/i);
    expect(html).toContain('<svg id="chart-mttr"');
    expect(html).toContain('<svg id="chart-coverage"');
    expect(html).toContain('Access report: acme &lt;ops&gt;');
    expect(html).toContain('x&lt;script&gt;@acme.com');
    expect(html.match(/<rect /g)?.length).toBeGreaterThanOrEqual(3);
  });
});
