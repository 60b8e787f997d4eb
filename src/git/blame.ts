import { dirname, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type { Logger } from '../logger.js';
import type { Attribution, LineCommit } from '../types/provenance.js';

export type { Attribution, LineCommit } from '../types/provenance.js';

/** The policy files blamed once: per line, and the latest commit over a range of lines. */
export interface PolicyBlame {
  readonly attribute: Attribution;
  /**
   * The most recent commit among lines `from`..`to` (1-based, inclusive) of `file` — who
   * last changed a document — or null when any of them is not committed (or the file is
   * not in Git): an uncommitted edit was approved by nobody.
   */
  lastCommit(file: string, from: number, to: number): LineCommit | null;
  /**
   * The most recent commit among the given lines (1-based) of `file`, or null when any of
   * them is not committed (or the file is not in Git).
   */
  lastCommitOf(file: string, lines: readonly number[]): LineCommit | null;
}

const UNCOMMITTED = /^0{40}$/;

/**
 * Parses `git blame --line-porcelain`: one header block per line of the file, starting
 * `<sha> <original line> <final line>`, then `author`, `author-mail`, `author-time`…, then
 * the line's text after a tab. Lines not committed yet have the all-zero sha: no commit.
 */
export function parseBlame(text: string, committedAt?: Map<string, number>): (LineCommit | null)[] {
  const byLine: (LineCommit | null)[] = [];
  const commits = new Map<string, { author?: string; mail?: string; time?: number }>();
  let current: { sha: string; line: number } | null = null;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('\t')) {
      if (current) {
        const c = commits.get(current.sha);
        byLine[current.line] =
          UNCOMMITTED.test(current.sha) || !c?.time
            ? null
            : { sha: current.sha, author: `${c.author ?? ''} ${c.mail ?? ''}`.trim(), date: new Date(c.time * 1000).toISOString() };
      }
      current = null;
      continue;
    }
    const header = /^([0-9a-f]{40}) \d+ (\d+)/.exec(raw);
    if (header) {
      current = { sha: header[1]!, line: Number(header[2]) };
      if (!commits.has(current.sha)) commits.set(current.sha, {});
      continue;
    }
    if (!current) continue;
    const c = commits.get(current.sha)!;
    if (raw.startsWith('author ')) c.author = raw.slice(7);
    else if (raw.startsWith('author-mail ')) c.mail = raw.slice(12);
    else if (raw.startsWith('author-time ')) c.time = Number(raw.slice(12));
    else if (raw.startsWith('committer-time ')) committedAt?.set(current.sha, Number(raw.slice(15)));
  }
  return byLine;
}

/**
 * Blames each policy file once and answers `file:line` lookups from the result. Files
 * outside Git, untracked, or a machine without git give no attribution (null), never an
 * error: attribution enriches a plan, it does not gate one.
 */
export async function blamePolicyFiles(files: readonly string[], log: Logger): Promise<PolicyBlame> {
  const table = new Map<string, (LineCommit | null)[]>();
  const committedAt = new Map<string, number>();
  for (const file of new Set(files)) {
    try {
      const abs = resolve(file);
      const out = await simpleGit({ baseDir: dirname(abs) }).raw(['blame', '--line-porcelain', '--', abs]);
      table.set(file, parseBlame(out, committedAt));
    } catch (e) {
      log.debug(`no Git attribution for ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return {
    attribute: (source) => {
      const at = source.lastIndexOf(':');
      if (at <= 0) return null;
      return table.get(source.slice(0, at))?.[Number(source.slice(at + 1))] ?? null;
    },
    lastCommit: (file, from, to) => {
      const lines = table.get(file);
      if (!lines) return null;
      const range: number[] = [];
      for (let n = from; n <= Math.min(to, lines.length - 1); n++) range.push(n);
      return latestOf(lines, range, committedAt);
    },
    lastCommitOf: (file, wanted) => {
      const lines = table.get(file);
      return lines ? latestOf(lines, wanted, committedAt) : null;
    },
  };
}

/** The latest commit by commit time among `wanted` lines; null when any of them is uncommitted. */
function latestOf(lines: readonly (LineCommit | null)[], wanted: readonly number[], committedAt: ReadonlyMap<string, number>): LineCommit | null {
  let latest: LineCommit | null = null;
  for (const n of wanted) {
    const c = lines[n];
    if (c === undefined) continue;
    if (c === null) return null;
    // Latest by commit time: a rebased commit keeps its old author date.
    if (!latest || (committedAt.get(c.sha) ?? 0) > (committedAt.get(latest.sha) ?? 0)) latest = c;
  }
  return latest;
}
