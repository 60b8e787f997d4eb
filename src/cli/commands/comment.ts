import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import type { EffectiveDiff } from '../../diff/effective.js';
import { renderDiffMarkdown } from '../../diff/render.js';
import { COMMENT_MARKER, partMarker, splitMarkdown } from '../../github/comment-parts.js';
import { GITHUB_COMMENT_LIMIT, targetFromEnvironment, upsertComments } from '../../github/comment.js';
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

/** Room kept in each part for the markers, the part heading and the footer. */
const FRAME = 1_000;
/** At most this many comments: past it rows are cut (each cut pointing at the artifact) rather than flooding the PR. */
export const MAX_PARTS = 10;

/**
 * The pull request comment: the effective access diff, then the plan, under a hidden
 * marker. When the text is longer than GitHub's 65,536-character limit for a comment it
 * is split into parts (comment-parts.ts), each its own comment carrying the marker and
 * its part number, so the next run updates each in place. Only past MAX_PARTS comments
 * are rows cut, and each cut says how many rows are not shown and where they are.
 */
export function commentBodies(diff: EffectiveDiff | null, plan: Plan | null, artifact: string): string[] {
  const perPart = GITHUB_COMMENT_LIMIT - FRAME;
  const budget = perPart * MAX_PARTS;
  const diffText = diff ? renderDiffMarkdown(diff, { maxChars: plan ? Math.floor(budget / 2) : budget, artifact }) : '';
  const planText = plan ? renderMarkdown(plan, { maxChars: budget - diffText.length, artifact }) : '';
  const content = [diffText.trimEnd(), '', planText.trimEnd()].join('\n').trim();
  const chunks = splitMarkdown(content, perPart);
  const footer = `<sub>Updated by lockstep${diff?.head.commit ? ` for ${diff.head.commit.slice(0, 12)}` : ''}. Full output: ${artifact}.</sub>`;
  return chunks.map((chunk, i) => {
    const n = chunks.length;
    const heading = n === 1 ? '## Lockstep' : `## Lockstep (part ${i + 1} of ${n}${i > 0 ? ', continued' : ''})`;
    const lines = [COMMENT_MARKER, ...(i > 0 ? [partMarker(i + 1)] : []), heading, '', chunk.trimEnd(), ''];
    if (i === n - 1) lines.push(footer);
    else lines.push(`<sub>Continued in part ${i + 2} of ${n}.</sub>`);
    return `${lines.join('\n')}\n`;
  });
}

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(resolve(file), 'utf8')) as T;
  } catch (e) {
    throw new UserError(`${what} ${file} cannot be read as JSON: ${(e as Error).message}`);
  }
}

/** `lockstep comment`: create or update Lockstep's comment (or its parts) on the pull request. */
export async function commentCommand(opts: CommentCommandOptions): Promise<number> {
  if (!opts.diff && !opts.plan) throw new UserError('comment needs --diff FILE (from lockstep diff --format json), --plan FILE (from lockstep plan --out), or both');
  const diff = opts.diff ? await readJson<EffectiveDiff>(opts.diff, 'diff') : null;
  const plan = opts.plan ? await readJson<Plan>(opts.plan, 'plan') : null;
  const bodies = commentBodies(diff, plan, opts.artifact ?? 'the lockstep JSON artifact of this workflow run');
  if (opts.dryRun) {
    writeOut(bodies.join('\n'));
    return ExitCode.Ok;
  }
  const pr = opts.pr === undefined ? undefined : Number(opts.pr);
  if (pr !== undefined && !(Number.isInteger(pr) && pr > 0)) throw new UserError(`--pr ${opts.pr}: expected a pull request number`);
  const eventPath = process.env.GITHUB_EVENT_PATH;
  const event = eventPath ? await readJson<unknown>(eventPath, 'GitHub event') : null;
  const target = targetFromEnvironment(process.env, event, pr);
  for (const done of await upsertComments(target, bodies)) {
    const what =
      done.action === 'deleted' || done.action === 'emptied'
        ? `part ${done.part}, no longer needed`
        : `part ${done.part} of ${bodies.length}, ${bodies[done.part - 1]!.length} characters`;
    writeErr(`${done.action} comment ${done.id} on ${target.repository}#${target.pullRequest} (${what})\n`);
  }
  return ExitCode.Ok;
}
