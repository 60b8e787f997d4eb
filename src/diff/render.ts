import { plural } from '../wording/plural.js';
import type { EffectiveDiff, GrantChange, SettingDiff } from './effective.js';

const grant = (g: GrantChange): string => `${g.provider} "${g.group}"${g.privileged ? ' [privileged]' : ''} (${g.via.join(', ')})`;
const short = (commit: string | null): string => (commit ? commit.slice(0, 12) : 'work tree');
const value = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function settingLine(s: SettingDiff): string {
  const what = s.kind === 'guard' ? `guard.${s.name}` : s.kind === 'lifecycle' ? `LifecycleRule/${s.name}` : s.kind === 'role' ? `RoleProfile/${s.name}` : s.name;
  const marks = [s.widens ? 'WIDENS' : '', s.privileged ? 'privileged' : ''].filter(Boolean).join(', ');
  const detail = s.kind === 'guard' ? `: ${value(s.before)} → ${value(s.after)}` : '';
  return `${what} ${s.change}${detail}${marks ? ` [${marks}]` : ''}`;
}

function headline(d: EffectiveDiff): string {
  const s = d.summary;
  if (s.grantsGained + s.grantsLost + s.settingsChanged === 0) return 'No change in effective access.';
  const parts = [
    `${s.peopleGaining} ${s.peopleGaining === 1 ? 'person gains' : 'people gain'} ${s.grantsGained} grant${s.grantsGained === 1 ? '' : 's'}${s.privilegedGained ? ` (${s.privilegedGained} privileged)` : ''}`,
    `${s.peopleLosing} ${s.peopleLosing === 1 ? 'loses' : 'lose'} ${s.grantsLost}`,
    `${s.settingsChanged} setting${s.settingsChanged === 1 ? '' : 's'} changed`,
  ];
  return `Effective access: ${parts.join('; ')}.`;
}

/** Plain text for a terminal: summary, people, groups, settings, then the YAML diff. */
export function renderDiffText(d: EffectiveDiff, opts: { patches?: boolean } = {}): string {
  const out: string[] = [`Policy diff ${d.base.ref} (${short(d.base.commit)}) → ${d.head.ref} (${short(d.head.commit)}), at ${d.now}`, headline(d), ''];
  if (d.people.length) {
    out.push('People:');
    for (const p of d.people) {
      out.push(`  ${p.person}`);
      for (const g of p.gained) out.push(`    + ${grant(g)}`);
      for (const g of p.lost) out.push(`    - ${grant(g)}`);
    }
    out.push('');
  }
  if (d.groups.length) {
    out.push('Groups:');
    for (const g of d.groups) {
      const counts = [g.gained.length ? `+${g.gained.length}` : '', g.lost.length ? `-${g.lost.length}` : ''].filter(Boolean).join(' ');
      out.push(`  ${g.provider} "${g.group}"${g.privileged ? ' [privileged]' : ''}: ${counts}`);
    }
    out.push('');
  }
  if (d.settings.length) {
    out.push('Settings:');
    for (const s of d.settings) out.push(`  ${settingLine(s)}`);
    out.push('');
  }
  if (opts.patches !== false && d.files.length) {
    out.push(`Files (${d.files.length}):`);
    for (const f of d.files) out.push(f.patch.trimEnd());
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export interface DiffMarkdownOptions {
  /** Most rows per table before pointing at the full output. */
  maxRows?: number;
  /** Hard limit on the rendered size; rows, then the text diff, are cut to fit. */
  maxChars?: number;
  /** Where the full diff lives (e.g. the CI artifact). */
  artifact?: string;
}

/** Markdown for a pull request: a table per section, the YAML diff collapsed, rows capped to fit `maxChars`. */
export function renderDiffMarkdown(d: EffectiveDiff, opts: DiffMarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? 60_000;
  let rows = opts.maxRows ?? 100;
  let patches = true;
  for (;;) {
    const text = renderDiffMarkdownOnce(d, rows, patches, opts.artifact ?? 'the JSON output (`lockstep diff --format json`)');
    if (text.length <= maxChars) return text;
    if (patches) patches = false;
    else if (rows > 0) rows = rows > 10 ? Math.floor(rows / 2) : rows - 1;
    else return `${text.slice(0, maxChars - 40)}\n\n…(truncated)\n`;
  }
}

function renderDiffMarkdownOnce(d: EffectiveDiff, max: number, patches: boolean, artifact: string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [`### Effective access: ${d.base.ref} → ${d.head.ref}`, '', headline(d), ''];
  // Risk first: privileged gains, other gains, then losses; each in the diff's order.
  const rows = d.people
    .flatMap((p) => [
      ...p.gained.map((g) => ({
        rank: g.privileged ? 0 : 1,
        text: `| ${cell(p.person)} | **gains** ⚠️ | ${cell(g.provider)} | ${cell(g.group)} | ${g.privileged ? '**privileged**' : ''} | ${cell(g.via.join(', '))} |`,
      })),
      ...p.lost.map((g) => ({
        rank: 2,
        text: `| ${cell(p.person)} | loses | ${cell(g.provider)} | ${cell(g.group)} | ${g.privileged ? 'privileged' : ''} | ${cell(g.via.join(', '))} |`,
      })),
    ])
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  if (rows.length) {
    out.push('| person | change | provider | group | tier | via |', '|---|---|---|---|---|---|', ...rows.slice(0, max).map((r) => r.text));
    if (rows.length > max) {
      const hidden = rows.slice(max);
      const n = (rank: number) => hidden.filter((r) => r.rank === rank).length;
      const kinds = [n(0) ? plural(n(0), 'privileged gain') : '', n(1) ? plural(n(1), 'other gain') : '', n(2) ? plural(n(2), 'loss', 'losses') : '']
        .filter(Boolean)
        .join(', ');
      out.push('', `…and ${hidden.length} more rows not shown (${kinds}): see ${artifact}.`);
    }
    out.push('');
  }
  if (d.groups.length) {
    out.push('<details><summary>Groups</summary>', '', '| provider | group | gains | loses |', '|---|---|---|---|');
    for (const g of d.groups.slice(0, max))
      out.push(`| ${cell(g.provider)} | ${cell(g.group)}${g.privileged ? ' (privileged)' : ''} | ${g.gained.length} | ${g.lost.length} |`);
    if (d.groups.length > max) out.push('', `…and ${d.groups.length - max} more groups not shown: see ${artifact}.`);
    out.push('', '</details>', '');
  }
  if (d.settings.length) {
    out.push('**Settings changed**', '');
    for (const s of d.settings) out.push(`- ${s.widens ? '⚠️ ' : ''}${cell(settingLine(s))}`);
    out.push('');
  }
  if (d.files.length && !patches)
    out.push(`The policy text diff (${d.files.length} file${d.files.length === 1 ? '' : 's'}) is too long for this comment: see ${artifact}.`, '');
  if (d.files.length && patches) {
    out.push(`<details><summary>Policy text diff (${d.files.length} file${d.files.length === 1 ? '' : 's'})</summary>`, '', '```diff');
    for (const f of d.files) out.push(f.patch.trimEnd());
    out.push('```', '', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
