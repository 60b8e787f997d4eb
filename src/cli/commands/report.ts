import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { readJournal } from '../../journal/reader.js';
import { makePlan } from '../../plan/make-plan.js';
import { buildReport } from '../../report/build.js';
import { renderReportHtml } from '../../report/html.js';
import { renderReportMarkdown, renderReportText } from '../../report/render.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { journalPath, parseNow, planFiles, stateDir } from '../workspace.js';

export interface ReportCommandOptions {
  policies: string;
  people?: string;
  snapshot?: string;
  now?: string;
  format: string;
  out?: string;
  journal?: string;
  stateDir?: string;
}

/**
 * `lockstep report`: what is wrong now (from a plan's findings: former employees with
 * access, orphans, ghosts, dormant accounts), the exceptions, and what was done and how
 * fast (from the journal: time to revoke per tier, automation coverage, open tasks).
 */
export async function reportCommand(opts: ReportCommandOptions): Promise<number> {
  if (!['text', 'markdown', 'json', 'html'].includes(opts.format)) throw new UserError(`--format ${opts.format}: expected text, markdown, json or html`);
  const log = stderrLogger();
  const state = stateDir(opts.stateDir);
  const now = parseNow(opts.now);
  const journalFile = journalPath(null, state, opts.journal);
  const { plan, policy, roster } = await makePlan({
    ...planFiles(opts),
    journalFile,
    stateDir: state,
    now,
    log,
  });
  const journal = existsSync(journalFile) ? await readJournal(journalFile) : [];
  const report = buildReport({ plan, policy, people: roster.people, journal, now });
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
