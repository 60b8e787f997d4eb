import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { effectiveAccessDiff, type DiffSide } from '../../diff/effective.js';
import { renderDiffMarkdown, renderDiffText } from '../../diff/render.js';
import { policyAtRef, type PolicyAtRef } from '../../git/policy-at-ref.js';
import { loadPolicy } from '../../run/load-policy.js';
import { loadRoster } from '../../roster/load.js';
import type { PlanFormat } from '../render-plan.js';
import { writeOut } from '../output.js';
import { parseNow } from '../workspace.js';

export interface DiffCommandOptions {
  policies: string;
  base: string;
  head?: string;
  people?: string;
  now?: string;
  format: PlanFormat;
  detailedExitcode?: boolean;
}

/**
 * `lockstep diff --base REF [--head REF]`: the effective access diff between two versions
 * of the policy folder (head defaults to the work tree), both resolved against head's
 * roster at the same instant. Reads Git only; needs no provider credentials and resolves
 * no secret, so it runs on pull requests from forks.
 */
export async function diffCommand(opts: DiffCommandOptions): Promise<number> {
  const now = parseNow(opts.now);
  const dir = resolve(opts.policies);
  const opened: PolicyAtRef[] = [];
  try {
    const base = await policyAtRef(dir, opts.base).then((p) => (opened.push(p), p));
    const head = opts.head ? await policyAtRef(dir, opts.head).then((p) => (opened.push(p), p)) : null;
    const load = { checkSecrets: false, requirePeopleFile: false } as const;
    const baseSide: DiffSide = { label: opts.base, commit: base.commit, policy: await loadAt(base, load), files: base.files };
    const headPolicy = head ? await loadAt(head, load) : await loadPolicy(dir, load);
    const headSide: DiffSide = { label: opts.head ?? 'work tree', commit: head?.commit ?? null, policy: headPolicy, files: head?.files ?? (await workTreeFiles(dir)) };
    const roster = await loadRoster(headPolicy, opts.people ? resolve(opts.people) : undefined);
    const diff = effectiveAccessDiff(baseSide, headSide, roster.people, now);
    writeOut(opts.format === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : opts.format === 'markdown' ? renderDiffMarkdown(diff) : renderDiffText(diff));
    const changed = diff.summary.grantsGained + diff.summary.grantsLost + diff.summary.settingsChanged + diff.summary.filesChanged > 0;
    return opts.detailedExitcode && changed ? ExitCode.ChangesPresent : ExitCode.Ok;
  } finally {
    await Promise.all(opened.map((p) => p.dispose()));
  }
}

/** Loads a policy read from Git; problems name the ref and the path in the repository, not the temporary copy. */
async function loadAt(at: PolicyAtRef, opts: Parameters<typeof loadPolicy>[1]) {
  try {
    return await loadPolicy(at.dir, opts);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(e.problems.map((p) => (p.at ? { ...p, at: { ...p.at, file: at.nameOf(p.at.file) } } : p)));
  }
}

/** The policy folder's files as they are on disk, relative to it, `/`-separated. */
async function workTreeFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (rel.split('/').some((part) => part === '.git')) continue;
    out.set(rel, await readFile(full, 'utf8'));
  }
  return out;
}
