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
    expect(report.mttrevoke.privileged).toEqual({
      count: 1,
      p50Seconds: 1200,
      p90Seconds: 1200,
      p95Seconds: 1200,
      maxSeconds: 1200,
      slaSeconds: 3600,
      overSla: [],
      breaches: [],
    });
    expect(report.mttrevoke.standard).toMatchObject({ count: 1, p50Seconds: 108_000, maxSeconds: 108_000, slaSeconds: 86_400, overSla: ['p50', 'p90', 'p95', 'max'] });
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

  it('groups the journal by week for trends, counting as applied only the changes that did work', () => {
    expect(report.trends.map((t) => t.week)).toEqual(['2026-11-09', '2026-11-16']);
    expect(report.trends.reduce((n, t) => n + t.peopleContained, 0)).toBe(2);
    // Week of the 16th: Amy's suspend and sessions and Bob's confirmed task were done (ok); Bob's suspend was already in effect.
    expect(report.trends.map((t) => [t.changesApplied, t.alreadyDone])).toEqual([
      [1, 0],
      [3, 1],
    ]);
  });

  it('renders text and markdown with the figures', () => {
    const text = renderReportText(report);
    expect(text).toContain('Former employees with access: 1');
    expect(text).toContain('privileged: 1 contained, p50 20 min');
    expect(text).toContain('SLA breach: bob@acme.com after 30.0 h');
    expect(text).toContain('Licences reclaimable: 50 EUR/month');
    expect(text).toContain('standard: 1 contained, p50 30.0 h (over SLA), p90 30.0 h (over SLA), p95 30.0 h (over SLA), max 30.0 h (over SLA); SLA 24.0 h, 1 breach');
    expect(text).toContain('2026-11-09: 1 change applied (0 already in effect), 0 leavers contained');
    expect(text).toContain('2026-11-16: 3 changes applied (1 already in effect), 2 leavers contained');
    expect(renderReportMarkdown(report)).toContain(
      '| standard | 1 | **30.0 h** ⚠️ over SLA | **30.0 h** ⚠️ over SLA | **30.0 h** ⚠️ over SLA | **30.0 h** ⚠️ over SLA | 24.0 h | 1 |',
    );
    expect(renderReportMarkdown(report)).toContain('| privileged | 1 | 20 min | 20 min | 20 min | 20 min | 60 min | 0 |');
  });

  it('the markdown report has every section of the text report, with the same rows', () => {
    const md = renderReportMarkdown(report);
    const text = renderReportText(report);
    const sections: [string, string][] = [
      ['Former employees with access:', '## Former employees with access'],
      ['Orphan accounts:', '## Orphan accounts'],
      ['Ghost accounts:', '## Ghost accounts'],
      ['Dormant accounts:', '## Dormant accounts'],
      ['Exceptions:', '## Exceptions'],
      ['Time to revoke', '## Time to revoke'],
      ['Automation coverage:', '## Automation coverage'],
      ['Open manual tasks:', '## Open manual tasks'],
      ['Licences reclaimable:', '## Licences reclaimable'],
      ['By week:', '## By week'],
    ];
    for (const [inText, inMarkdown] of sections) {
      expect(text, inText).toContain(inText);
      expect(md, inMarkdown).toContain(inMarkdown);
    }
    expect(md).toContain('| app/temp@acme.com | orphan temp@acme.com |');
    expect(md).toContain('| app/zed@acme.com | zed@acme.com |');
    expect(md).toContain('| expiring | ends-soon | eve@acme.com | app/Legal | 2026-11-25 | 5 |');
    expect(md).toContain('| expired | lapsed | fay@acme.com | app/Legal | 2026-11-17 |');
    expect(md).toContain('| bob@acme.com | 30.0 h |');
    expect(md).toContain('| vpn | revoke_sessions | amy@acme.com | 5 days | task0000000000t1 |');
    expect(md).toContain('| app | 4 | 12.5 | 50 EUR |');
    expect(md).toContain('| 2026-11-16 | 3 | 1 | 2 |');
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

describe('report figures, every format alike', () => {
  const policy = aWorld('2026-11-20T09:00:00Z')
    .withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2' })
    .withConfig({ protected: [{ provider: '*', login: 'breakglass@acme.com' }], reports: { seatPrices: { app: 10 } } })
    .policy();
  const orphanFinding = (login: string): Finding => ({ ...finding('orphan', login), severity: login.startsWith('breakglass') ? 'info' : 'high' });
  const plan = {
    policy: { name: 'acme', commit: null, digest: '' },
    findings: [orphanFinding('temp@acme.com'), orphanFinding('breakglass@acme.com')],
  } as unknown as Plan;
  // Ten standard leavers: nine contained in 2 hours, one after 60 hours. p50 and p90 are within the 24 h SLA, p95 and max are not.
  const journal = Array.from({ length: 10 }, (_, i) => {
    const trigger = at(-10 * DAY + i * HOUR);
    const took = i === 9 ? 60 * HOUR : 2 * HOUR;
    return contain(`p${i}@acme.com`, 'suspend', trigger, at(-10 * DAY + i * HOUR + took), 'ok');
  });
  const report = buildReport({ plan, policy, people: [], journal, now: NOW });

  it('counts a seat once per account: a ghost account is also a former employee’s account', () => {
    const ghostPlan = {
      ...plan,
      findings: [finding('former_with_access', 'amy.old@acme.com', 'amy@acme.com'), finding('ghost_account', 'amy.old@acme.com', 'amy@acme.com')],
    };
    const r = buildReport({ plan: ghostPlan, policy, people: [], journal: [], now: NOW });
    expect(r.ghosts).toHaveLength(1);
    expect(r.licences.byProvider).toEqual([{ provider: 'app', seats: 1, seatPrice: 10, monthly: 10 }]);
  });

  it('does not count a protected account as an orphan, nor as a licence to reclaim; it lists it apart', () => {
    expect(report.orphans.map((o) => o.login)).toEqual(['temp@acme.com']);
    expect(report.protectedUnmatched.map((o) => o.login)).toEqual(['breakglass@acme.com']);
    expect(report.licences.byProvider).toEqual([{ provider: 'app', seats: 1, seatPrice: 10, monthly: 10 }]);
    expect(renderReportText(report)).toContain('Orphan accounts: 1\n  app/temp@acme.com\n');
    expect(renderReportText(report)).toContain('Protected accounts matching no person (not counted as orphans): 1\n  app/breakglass@acme.com');
  });

  it('marks each percentile over its SLA, and only those, in text, markdown, JSON and HTML, in the same unit', async () => {
    const { renderReportHtml } = await import('../../src/report/html.js');
    expect(report.mttrevoke.standard).toMatchObject({ p50Seconds: 7200, p90Seconds: 7200, p95Seconds: 216_000, maxSeconds: 216_000, overSla: ['p95', 'max'] });
    expect(renderReportText(report)).toContain('standard: 10 contained, p50 2.0 h, p90 2.0 h, p95 2.5 d (over SLA), max 2.5 d (over SLA); SLA 24.0 h, 1 breach');
    expect(renderReportMarkdown(report)).toContain('| standard | 10 | 2.0 h | 2.0 h | **2.5 d** ⚠️ over SLA | **2.5 d** ⚠️ over SLA | 24.0 h | 1 |');
    const html = renderReportHtml(report);
    expect(html).toContain('<td>2.0 h</td><td>2.0 h</td><td class="alert">2.5 d <b>over SLA</b></td><td class="alert">2.5 d <b>over SLA</b></td><td>24.0 h</td>');
    // The breach in the same unit everywhere: 60 hours is 2.5 days in each format.
    expect(renderReportText(report)).toContain('SLA breach: p9@acme.com after 2.5 d');
    expect(renderReportMarkdown(report)).toContain('| p9@acme.com | 2.5 d |');
    expect(html).toContain('<td>p9@acme.com</td><td>2.5 d</td>');
    expect(html).not.toContain('60.0 h');
  });
});

describe('durations', () => {
  it('one rule for every format: seconds, minutes, hours under 48 h, days from 48 h', async () => {
    const { formatDuration } = await import('../../src/report/duration.js');
    expect([null, 45, 89, 90, 1200, 5399, 5400, 86_400, 172_799, 172_800, 216_000].map(formatDuration)).toEqual([
      '—',
      '45 s',
      '89 s',
      '2 min',
      '20 min',
      '90 min',
      '1.5 h',
      '24.0 h',
      '48.0 h',
      '2.0 d',
      '2.5 d',
    ]);
  });
});
