import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.js';
import { renderReportHtml } from '../../src/report/html.js';
import type { JournalRecord, Plan } from '../../src/types/index.js';
import { ROOT } from '../cli/run-cli.js';
import { aWorld } from '../plan/world.js';

const CHROMIUM = process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium';
const NOW = new Date('2026-11-20T09:00:00Z');
const iso = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const H = 3_600_000;

/** A report with something in every chart: two tiers contained, two providers, two weeks. */
function html(): string {
  const policy = aWorld('2026-11-20T09:00:00Z').withProvider('app', 'scim', { baseUrl: 'https://app.example/scim/v2' }).policy();
  const plan = {
    policy: { name: 'northwind', commit: 'a'.repeat(40), digest: '' },
    findings: [
      {
        id: '0'.repeat(16),
        kind: 'orphan',
        severity: 'high',
        provider: 'app',
        account: { id: 'x', login: 'temp@acme.com' },
        person: null,
        message: 'orphan temp@acme.com',
      },
    ],
  } as unknown as Plan;
  let seq = 0;
  const change = (person: string, provider: string, action: string, trigger: number, done: number, tier: 'privileged' | 'standard'): JournalRecord =>
    ({
      seq: ++seq,
      time: iso(done),
      runId: 'r',
      actor: 't',
      type: 'change',
      changeId: `${person}${action}`.slice(0, 16),
      provider,
      action,
      person,
      tier,
      triggerAt: iso(trigger),
      result: 'ok',
      reason: { trigger: 'terminated' },
      prev: '0'.repeat(64),
      hash: '0'.repeat(64),
    }) as unknown as JournalRecord;
  const journal = [
    change('amy@acme.com', 'okta', 'suspend', -200 * H, -199.5 * H, 'privileged'),
    change('bob@acme.com', 'okta', 'suspend', -30 * H, -2 * H, 'standard'),
    change('cy@acme.com', 'app', 'suspend', -20 * H, -19 * H, 'standard'),
    { ...change('dee@acme.com', 'vpn', 'task', -10 * H, -9 * H, 'standard'), result: 'pending', detail: 'task for netops@acme.com: suspend' } as JournalRecord,
  ];
  return renderReportHtml(buildReport({ plan, policy, people: [], journal, now: NOW }));
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in a real browser (Debian chromium)', () => {
  let browser: Browser;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const page = html();
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

  it('renders every chart with visible bars, and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    expect(await page.title()).toBe('Access report: northwind');
    for (const id of ['chart-mttr', 'chart-coverage', 'chart-trend']) {
      const bars = page.locator(`svg#${id} rect`);
      expect(await bars.count(), id).toBeGreaterThan(0);
      for (const box of await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { width: number; height: number }))) {
        expect(box.width, id).toBeGreaterThan(0);
        expect(box.height, id).toBeGreaterThan(0);
      }
    }
    // The standard tier's p95 (28 h) breaches its 24 h SLA: drawn in the alert colour.
    expect(await page.locator('svg#chart-mttr rect.alert').count()).toBe(1);
    expect(await page.locator('.card.alert').count()).toBeGreaterThan(0);
    const out = join(ROOT, 'test-output');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
    expect(existsSync(join(out, 'report.png'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
