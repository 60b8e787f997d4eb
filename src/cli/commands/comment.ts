import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import type { EffectiveDiff } from '../../diff/effective.js';
import { renderDiffMarkdown } from '../../diff/render.js';
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT, targetFromEnvironment, upsertComment } from '../../github/comment.js';
import { renderMarkdown } from '../../render/markdown.js';
import type { Plan } from '../../types/index.js';
import { writeErr, writeOut } from '../output.js';

export interface CommentCommandOptions {
  diff?: string;
  plan?: string;
  pr?: string;
  artifact?: string;
  dryRun?: boolean;
}

/** Room kept for the marker, headings and footer around the two sections. */
const FRAME = 1_000;

/**
 * The pull request comment: the effective access diff, then the plan summary, under a
 * hidden marker, fitted under GitHub's 65,536-character limit (rows are cut first, each
 * section pointing at the JSON artifact for the rest).
 */
export function commentBody(diff: EffectiveDiff | null, plan: Plan | null, artifact: string): string {
  const budget = GITHUB_COMMENT_LIMIT - FRAME;
  const diffText = diff ? renderDiffMarkdown(diff, { maxChars: plan ? Math.floor(budget / 2) : budget, artifact }) : '';
  const planText = plan ? renderMarkdown(plan, { maxChars: budget - diffText.length, artifact }) : '';
  const parts = [
    COMMENT_MARKER,
    '## Lockstep',
    '',
    diffText.trimEnd(),
    '',
    planText.trimEnd(),
    '',
    `<sub>Updated by lockstep${diff?.head.commit ? ` for ${diff.head.commit.slice(0, 12)}` : ''}. Full output: ${artifact}.</sub>`,
  ];
  return `${parts.filter((p, i, all) => !(p === '' && all[i - 1] === '')).join('\n')}\n`;
}

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(resolve(file), 'utf8')) as T;
  } catch (e) {
    throw new UserError(`${what} ${file} cannot be read as JSON: ${(e as Error).message}`);
  }
}

/** `lockstep comment`: create or update the one Lockstep comment on the pull request. */
export async function commentCommand(opts: CommentCommandOptions): Promise<number> {
  if (!opts.diff && !opts.plan) throw new UserError('comment needs --diff FILE (from lockstep diff --format json), --plan FILE (from lockstep plan --out), or both');
  const diff = opts.diff ? await readJson<EffectiveDiff>(opts.diff, 'diff') : null;
  const plan = opts.plan ? await readJson<Plan>(opts.plan, 'plan') : null;
  const body = commentBody(diff, plan, opts.artifact ?? 'the lockstep JSON artifact of this workflow run');
  if (opts.dryRun) {
    writeOut(body);
    return ExitCode.Ok;
  }
  const pr = opts.pr === undefined ? undefined : Number(opts.pr);
  if (pr !== undefined && !(Number.isInteger(pr) && pr > 0)) throw new UserError(`--pr ${opts.pr}: expected a pull request number`);
  const eventPath = process.env.GITHUB_EVENT_PATH;
  const event = eventPath ? await readJson<unknown>(eventPath, 'GitHub event') : null;
  const target = targetFromEnvironment(process.env, event, pr);
  const done = await upsertComment(target, body);
  writeErr(`${done.action} comment ${done.id} on ${target.repository}#${target.pullRequest} (${body.length} characters)\n`);
  return ExitCode.Ok;
}
