import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { loadPlanningPolicy, makePlan } from '../../run/plan-run.js';
import { buildReport } from '../../report/build.js';
import { renderReportHtml } from '../../report/html.js';
import { renderReportMarkdown, renderReportText } from '../../report/render.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { parseNow, planFiles, withStateStore } from '../workspace.js';

export interface ReportCommandOptions {
  policies: string;
  people?: string;
  snapshot?: string;
  now?: string;
  format: string;
  out?: string;
  journal?: string;
  stateDir?: string;
  state?: string;
}

/**
 * `lockstep report`: what is wrong now (from a plan's findings: former employees with
 * access, orphans, ghosts, dormant accounts), the exceptions, and what was done and how
 * fast (from the journal: time to revoke per tier, automation coverage, open tasks).
 */
export async function reportCommand(opts: ReportCommandOptions): Promise<number> {
  if (!['text', 'markdown', 'json', 'html'].includes(opts.format)) throw new UserError(`--format ${opts.format}: expected text, markdown, json or html`);
  const log = stderrLogger();
  const now = parseNow(opts.now);
  const files = planFiles(opts);
  const policy = await loadPlanningPolicy(files.policiesDir, { offline: files.snapshotFile !== undefined, peopleFile: files.peopleFile, log });
  const report = await withStateStore(policy, opts, { log, write: false }, async (store) => {
    const { plan, roster } = await makePlan({ policy, peopleFile: files.peopleFile, snapshotFile: files.snapshotFile, store, now, log });
    return buildReport({ plan, policy, people: roster.people, journal: await store.journal.read(), now });
  });
  const text =
    opts.format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : opts.format === 'markdown'
        ? renderReportMarkdown(report)
        : opts.format === 'html'
          ? renderReportHtml(report)
          : renderReportText(report);
  if (opts.out) {
    await writeFile(resolve(opts.out), text);
    writeErr(`report written to ${opts.out}\n`);
  } else writeOut(text);
  return ExitCode.Ok;
}
