import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournalFile } from '../../src/journal/file-journal.js';
import type { JournalEntry } from '../../src/journal/record.js';
import { MTTR_FIGURES, mttrFigure, type Report } from '../../src/report/build.js';
import { formatDuration } from '../../src/report/duration.js';
import { ROOT, runCli, tempDir } from '../cli/run-cli.js';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';

const CHROMIUM = process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium';
const NOW = '2026-11-20T09:00:00Z';
const iso = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
const H = 3_600_000;
const D = 24 * H;

/**
 * A policy folder, snapshot and journal with something in every section and chart: two
 * leavers still holding access (one under an alias), an orphan and a protected break-glass
 * account matching nobody, a dormant account, three exceptions, leavers contained in both
 * tiers over three weeks (one privileged and one standard over their SLA), changes found
 * already done, an open manual task, seat prices.
 */
async function workspace(): Promise<string> {
  const world = aWorld(NOW)
    .withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2', token: '${env:APP_TOKEN}' })
    .withProvider('vpn', 'manual', { owner: 'netops@acme.com' })
    .withConfig({ protected: [{ provider: '*', login: 'breakglass@acme.com' }], reports: { seatPrices: { app: 12.5 }, currency: 'EUR' } })
    .withException('keeps', { person: 'dee@acme.com', grants: [{ provider: 'app', group: 'Finance' }], reason: 'audit', expires: '2027-02-01' })
    .withException('ends-soon', { person: 'dee@acme.com', grants: [{ provider: 'app', group: 'Legal' }], reason: 'case', expires: '2026-11-25' })
    .withException('lapsed', { person: 'dee@acme.com', grants: [{ provider: 'app', group: 'Legal' }], reason: 'case', expires: '2026-11-10' })
    .withPerson({ email: 'amy@acme.com', endDate: '2026-11-01', aliases: ['amy.old@acme.com'] })
    .withPerson({ email: 'bob@acme.com', endDate: '2026-11-19' })
    .withPerson({ email: 'dee@acme.com' })
    .withPerson({ email: 'zed@acme.com' })
    .withAccount('app', { login: 'amy@acme.com' })
    .withAccount('app', { login: 'amy.old@acme.com' })
    .withAccount('app', { login: 'bob@acme.com' })
    .withAccount('app', { login: 'dee@acme.com' })
    .withAccount('app', { login: 'zed@acme.com', lastLoginAt: '2026-06-01T00:00:00Z' })
    .withAccount('app', { login: 'temp@acme.com' })
    .withAccount('app', { login: 'breakglass@acme.com' });
  const cwd = tempDir();
  writePolicyFiles(join(cwd, 'policies'), world);
  writeFileSync(join(cwd, 'snapshot.json'), JSON.stringify(world.snapshot));
  const journal = await openJournalFile(join(cwd, 'journal.jsonl'));
  let n = 0;
  const change = (person: string, action: string, trigger: number, done: number, tier: 'privileged' | 'standard', result = 'ok', provider = 'app'): JournalEntry => ({
    time: iso(done),
    runId: 'run-1',
    actor: 'test@host',
    type: 'change',
    changeId: `c${String(++n).padStart(15, '0')}`,
    provider,
    action: action,
    person,
    tier,
    triggerAt: iso(trigger),
    result: result as JournalEntry['result'],
    reason: { rule: 'LifecycleRule/leaver', kind: 'lifecycle', detail: '', trigger: 'terminated' },
  });
  const entries: JournalEntry[] = [
    change('p1@acme.com', 'suspend', -15 * D, -15 * D + 0.3 * H, 'privileged'),
    change('p2@acme.com', 'suspend', -14 * D, -14 * D + 3 * H, 'privileged'),
    change('s1@acme.com', 'suspend', -13 * D, -13 * D + 2 * H, 'standard'),
    change('s1@acme.com', 'revoke_sessions', -13 * D, -13 * D + 2 * H, 'standard', 'already'),
    change('s2@acme.com', 'suspend', -8 * D, -8 * D + 5 * H, 'standard', 'already'),
    change('s3@acme.com', 'suspend', -7 * D, -7 * D + 60 * H, 'standard'),
    change('s4@acme.com', 'suspend', -3 * D, -3 * D + 1 * H, 'standard'),
    change('s4@acme.com', 'revoke_tokens', -3 * D, -3 * D + 1 * H, 'standard', 'already'),
    { ...change('dee@acme.com', 'task', -2 * D, -2 * D, 'standard', 'pending', 'vpn'), detail: 'task for netops@acme.com: suspend' },
  ];
  for (const e of entries) await journal.append(e);
  await journal.close();
  return cwd;
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in a real browser (Debian chromium), against the JSON report', () => {
  let browser: Browser;
  let url: string;
  let report: Report;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const cwd = await workspace();
    const args = ['report', '--snapshot', 'snapshot.json', '--journal', 'journal.jsonl', '--now', NOW];
    const json = await runCli([...args, '--format', 'json'], { cwd });
    expect(json.code, json.stderr).toBe(0);
    report = JSON.parse(json.stdout) as Report;
    const html = await runCli([...args, '--format', 'html', '--out', 'report.html'], { cwd });
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(join(cwd, 'report.html'), 'utf8');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/report.html`;
    close = () => new Promise((done) => server.close(() => done()));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  const open = async (): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    return { page, errors };
  };
  const texts = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  const rows = (page: Page, table: string) =>
    page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

  it('the world has something in every section', () => {
    expect(report.formerWithAccess.length).toBe(2);
    expect(report.orphans.map((o) => o.login)).toEqual(['temp@acme.com']);
    expect(report.protectedUnmatched.map((o) => o.login)).toEqual(['breakglass@acme.com']);
    expect(report.mttrevoke.privileged.overSla.length).toBeGreaterThan(0);
    expect(report.mttrevoke.standard.overSla.length).toBeGreaterThan(0);
    expect(report.trends.some((t) => t.alreadyDone > 0)).toBe(true);
  });

  it('shows the JSON report’s figures: cards, tables and chart labels', async () => {
    const { page, errors } = await open();
    expect(await page.title()).toBe('Access report: acme');
    const card = async (id: string) => (await page.locator(`#card-${id} b`).textContent())?.trim();
    const m = report.mttrevoke;
    expect(await card('former')).toBe(String(report.formerWithAccess.length));
    expect(await card('orphans')).toBe(`${report.orphans.length} / ${report.ghosts.length}`);
    expect(await card('dormant')).toBe(String(report.dormant.length));
    expect(await card('breaches')).toBe(String(m.privileged.breaches.length + m.standard.breaches.length));
    expect(await card('tasks')).toBe(String(report.openTasks.length));
    expect(await card('licences')).toBe(`${report.licences.total} ${report.licences.currency}/mo`);

    // Time to revoke: every figure of each tier in the shared unit, "over SLA" exactly where the JSON says so.
    const tiers = [
      ['privileged', m.privileged],
      ['standard', m.standard],
    ] as const;
    const mttr = await rows(page, 'table-mttr');
    expect(mttr).toEqual(
      tiers.map(([tier, t]) => [
        tier,
        String(t.count),
        ...MTTR_FIGURES.map((f) => `${formatDuration(mttrFigure(t, f))}${t.overSla.includes(f) ? ' over SLA' : ''}`),
        formatDuration(t.slaSeconds),
        String(t.breaches.length),
      ]),
    );
    const overSla = tiers.reduce((k, [, t]) => k + t.overSla.length, 0);
    expect(await page.locator('#table-mttr td.alert').count()).toBe(overSla);
    expect(await page.locator('svg#chart-mttr rect.alert').count()).toBe(overSla);
    expect(await texts(page, 'svg#chart-mttr text.value')).toEqual(
      tiers.flatMap(([, t]) => MTTR_FIGURES.map((f) => `${formatDuration(mttrFigure(t, f))}${t.overSla.includes(f) ? ' — over SLA' : ''}`)),
    );
    expect(await rows(page, 'table-breaches')).toEqual(
      [...m.privileged.breaches, ...m.standard.breaches].map((b) => [b.person, formatDuration(b.seconds), b.containedAt]),
    );

    // Changes applied per week: work done (ok) only, the changes already in effect apart.
    expect(await texts(page, 'svg#chart-trend text.value')).toEqual(
      report.trends.map(
        (t) => `${t.changesApplied} change${t.changesApplied === 1 ? '' : 's'} applied, ${t.alreadyDone} already in effect, ${t.peopleContained} contained`,
      ),
    );
    expect(await texts(page, 'svg#chart-coverage text.value')).toEqual(
      report.automation.map((a) => `${Math.round((a.coverage ?? 0) * 100)}% (${a.automated} automated, ${a.manual} manual)`),
    );

    // Lists: the same rows as the JSON, protected accounts apart from the orphans.
    expect((await rows(page, 'table-former')).map((r) => r[0])).toEqual(report.formerWithAccess.map((f) => f.person));
    expect((await rows(page, 'table-former')).map((r) => r[2])).toEqual(report.formerWithAccess.map((f) => String(f.daysSince)));
    expect(await rows(page, 'table-accounts')).toEqual([
      ...report.orphans.map((o) => ['orphan', `${o.provider}/${o.login}`, o.message]),
      ...report.ghosts.map((g) => ['ghost', `${g.provider}/${g.login}`, g.message]),
      ...report.dormant.map((d) => ['dormant', `${d.provider}/${d.login}`, d.message]),
    ]);
    expect((await rows(page, 'table-protected')).map((r) => r[0])).toEqual(report.protectedUnmatched.map((o) => `${o.provider}/${o.login}`));
    expect((await rows(page, 'table-exceptions')).map((r) => [r[0], r[1]])).toEqual([
      ...report.exceptions.expired.map((e) => ['expired', e.name]),
      ...report.exceptions.expiring.map((e) => ['expiring', e.name]),
      ...report.exceptions.active.map((e) => ['active', e.name]),
    ]);
    expect((await rows(page, 'table-tasks')).map((r) => r[4])).toEqual(report.openTasks.map((t) => t.changeId));
    expect(await rows(page, 'table-licences')).toEqual(
      report.licences.byProvider.map((l) => [l.provider, String(l.seats), String(l.seatPrice), `${l.monthly} ${report.licences.currency}`]),
    );
    expect(errors).toEqual([]);
  });

  it('renders every chart with visible bars, and saves a screenshot', async () => {
    const { page, errors } = await open();
    for (const id of ['chart-mttr', 'chart-coverage', 'chart-trend']) {
      const bars = page.locator(`svg#${id} rect`);
      expect(await bars.count(), id).toBeGreaterThan(0);
      for (const box of await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { width: number; height: number }))) {
        expect(box.width, id).toBeGreaterThan(0);
        expect(box.height, id).toBeGreaterThan(0);
      }
    }
    expect(await page.locator('.card.alert').count()).toBeGreaterThan(0);
    const out = join(ROOT, 'test-output');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
    expect(existsSync(join(out, 'report.png'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
