import type { Plan } from '../types/index.js';
import { plural } from '../wording/plural.js';
import { actionLabel, hrEventLabel, SYMBOL, summaryLine, violationLabel } from './describe.js';
import { countKinds, describeCounts, inReviewOrder, REVIEW_LABEL, reviewKindOf } from './review-order.js';

export interface MarkdownOptions {
  /** Most change rows shown per provider before pointing at the JSON artifact. */
  rowCap?: number;
  /** Where the full plan lives (e.g. the CI artifact name). */
  artifact?: string;
  /** Hard limit on the rendered size (PR comments are limited to 65,536 characters). */
  maxChars?: number;
}

const DEFAULT_MAX = 60_000;

/**
 * PR-comment rendering: the summary in the heading, guard verdict, what to review first,
 * a collapsible section per provider with a row cap, findings. Rows are shown risk first
 * (see review-order.ts), so the cap cuts the least important; every cut says how many rows
 * of each kind are not shown. Rows are cut (never the summary) until the text fits under
 * maxChars.
 */
export function renderMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX;
  let cap = opts.rowCap ?? 100;
  for (;;) {
    const text = render(plan, cap, opts.artifact ?? 'the plan JSON artifact');
    if (text.length <= maxChars) return text;
    if (cap === 0) return text.slice(0, maxChars - 40) + '\n\n…(truncated)\n';
    cap = cap > 10 ? Math.floor(cap / 2) : cap - 1;
  }
}

function render(plan: Plan, cap: number, artifact: string): string {
  const out: string[] = [];
  const icon = plan.guard.tripped ? '🛑' : plan.changes.length ? '📋' : '✅';
  out.push(`### ${icon} Lockstep: ${summaryLine(plan)}`);
  out.push('');
  const commit = plan.policy.commit ? ` at \`${plan.policy.commit.slice(0, 12)}\`` : '';
  out.push(`Policy **${esc(plan.policy.name)}**${commit}, observed ${plan.observedAt}, planned for ${plan.now}. Checksum \`${plan.checksum}\`.`);
  out.push('');
  if (plan.guard.violations.length) {
    out.push(plan.guard.tripped ? '**Guard tripped: apply will halt until approved.**' : '**Guard violations, all approved:**');
    out.push('');
    for (const v of plan.guard.violations) out.push(`- ${v.approvedBy ? '✅' : '❌'} ${esc(violationLabel(v))}`);
    out.push('');
  }
  const kindOf = reviewKindOf(plan);
  const ordered = inReviewOrder(plan.changes, kindOf);
  const all = countKinds(ordered);
  if (all.privileged_widening + all.widening + all.guard + all.containment > 0) {
    out.push(
      `**Review first:** ${describeCounts({ ...all, other: 0 })}${all.other ? `; then ${plural(all.other, 'other change')}` : ''}. Each provider lists these first.`,
    );
    out.push('');
  }
  const byProvider = new Map<string, typeof ordered>();
  for (const row of ordered) {
    const list = byProvider.get(row.change.provider);
    if (list) list.push(row);
    else byProvider.set(row.change.provider, [row]);
  }
  for (const [provider, rows] of [...byProvider].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`<details><summary><b>${esc(provider)}</b>: ${plural(rows.length, 'change')}</summary>`);
    out.push('');
    const shown = rows.slice(0, cap);
    if (shown.length > 0) {
      out.push('| | action | account | group | person | review | reason |');
      out.push('|---|---|---|---|---|---|---|');
      for (const { change: c, kind } of shown) {
        out.push(
          `| ${SYMBOL[c.action] ?? ''} | ${actionLabel(c)}${c.requiresApproval ? ' (needs approval)' : ''} | ${cell(c.target.account?.login)} | ${cell(c.target.group?.name)} | ${cell(c.person)} | ${kind === 'privileged_widening' ? `**${REVIEW_LABEL[kind]}**` : REVIEW_LABEL[kind]} | ${cell(`${c.reason.kind}: ${c.reason.rule}${c.reason.source ? ` (${c.reason.source})` : ''}`)} |`,
        );
      }
    }
    if (rows.length > shown.length) {
      const hidden = rows.slice(shown.length);
      out.push('', `…and ${hidden.length} more not shown (${describeCounts(countKinds(hidden))}): see ${esc(artifact)}.`);
    }
    out.push('', '</details>', '');
  }
  if (plan.hrEvents?.length) {
    out.push(`**HR events in force until the roster says the same:** ${plan.hrEvents.length}`, '');
    for (const e of plan.hrEvents.slice(0, cap)) out.push(`- ${esc(hrEventLabel(e))}`);
    if (plan.hrEvents.length > cap) out.push('', `…and ${plan.hrEvents.length - cap} more not shown: see ${esc(artifact)}.`);
    out.push('');
  }
  if (plan.findings.length) {
    out.push(`<details><summary><b>Findings</b>: ${plan.findings.length}</summary>`, '');
    for (const f of plan.findings.slice(0, cap)) out.push(`- **${f.severity}** ${f.kind}: ${esc(f.message)}`);
    if (plan.findings.length > cap) out.push('', `…and ${plan.findings.length - cap} more not shown: see ${esc(artifact)}.`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
const cell = (s: string | null | undefined) => (s ? esc(s).replace(/\|/g, '\\|') : '');
