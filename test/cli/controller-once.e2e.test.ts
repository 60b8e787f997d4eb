import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScimEmulator } from '../../providers/scim/emulator/index.js';
import { eventually, metricValue, postEvent, startController, WEBHOOK_SECRET } from './controller-process.js';
import { runCli } from './run-cli.js';
import { journalLines, membersOf, scimWorld, statusOf } from './scim-world.js';
import { contractLog } from '../contracts/record.js';

// Every exchange with the emulators is checked against the vendors' definitions when the file is done.
const exchanges = contractLog('scim');

describe('lockstep controller --once and the guard over HR event bursts', () => {
  const emus: ScimEmulator[] = [];
  afterEach(async () => {
    await Promise.all(emus.splice(0).map((e) => e.close()));
  });

  it('--once runs one cycle and exits 0 after containing the roster leavers', async () => {
    const w = await scimWorld({ size: 12, leaving: 2, exchanges });
    emus.push(w.emu);
    const r = await runCli(['controller', '--once'], { cwd: w.cwd, env: w.env });
    expect(r.code, r.stderr).toBe(0);
    for (const l of w.leavers) expect(statusOf(w.emu, l)).toBe('suspended');
    expect(membersOf(w.emu, 'Sales')).not.toContain(w.leavers[0]);
    expect(r.stderr).not.toContain(w.env.APP_TOKEN);
    expect(journalLines(w.cwd).join('\n')).not.toContain(w.env.APP_TOKEN);
  });

  it('--once exits 3 on a guard halt, applying nothing', async () => {
    const w = await scimWorld({ size: 12, leaving: 5, exchanges });
    emus.push(w.emu);
    const r = await runCli(['controller', '--once'], { cwd: w.cwd, env: w.env });
    expect(r.code, r.stderr).toBe(3);
    for (const l of w.leavers) expect(statusOf(w.emu, l)).toBe('active');
    expect(r.stderr).toMatch(/ALERT guard_halt/);
    expect(
      journalLines(w.cwd)
        .map((l) => JSON.parse(l) as { type: string })
        .some((x) => x.type === 'halt'),
    ).toBe(true);
  });

  it('a burst of terminations trips the guard over all pending leavers: halted, alerted, not all applied', async () => {
    const w = await scimWorld({ size: 12, leaving: 0, exchanges });
    emus.push(w.emu);
    const ctl = await startController(['--interval', '1h', '--listen', ':0'], { cwd: w.cwd, env: { ...w.env, LOCKSTEP_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    try {
      await eventually(async () => (await fetch(`${ctl.url}/readyz`)).status === 200, 20_000, 'ready');
      const now = new Date().toISOString();
      const answers = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) => postEvent(ctl.url, { id: `burst-${i}`, type: 'termination', person: { email: `p${i}@acme.com` }, effectiveAt: now })),
      );
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
      await eventually(async () => metricValue(await (await fetch(`${ctl.url}/metrics`)).text(), 'lockstep_guard_halts_total') >= 1, 15_000, 'a guard halt');
      const suspended = [0, 1, 2, 3, 4, 5].filter((i) => statusOf(w.emu, `p${i}@acme.com`) === 'suspended');
      expect(suspended.length).toBeLessThan(4);
      expect(ctl.output().stderr).toMatch(/ALERT guard_halt/);
      const halts = readFileSync(join(w.cwd, '.lockstep', 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"halt"'));
      expect(halts.length).toBeGreaterThan(0);
      ctl.child.kill('SIGTERM');
      expect(await ctl.exited).toBe(0);
      for (const t of [ctl.output().stdout, ctl.output().stderr]) {
        expect(t).not.toContain(WEBHOOK_SECRET);
        expect(t).not.toContain(w.env.APP_TOKEN);
      }
    } finally {
      if (ctl.child.exitCode === null) ctl.child.kill('SIGKILL');
    }
  });
});
