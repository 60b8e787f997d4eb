import type { Plan, PlanChange } from '../types/index.js';
import { actionLabel, hrEventLabel, SYMBOL, summaryLine, violationLabel } from './describe.js';

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
 * PR-comment rendering: the summary in the heading, guard verdict, a collapsible section
 * per provider with a row cap, findings. Rows are cut (never the summary) until the text
 * fits under maxChars.
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
  const byProvider = new Map<string, PlanChange[]>();
  for (const c of plan.changes) {
    const list = byProvider.get(c.provider);
    if (list) list.push(c);
    else byProvider.set(c.provider, [c]);
  }
  for (const [provider, changes] of [...byProvider].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`<details><summary><b>${esc(provider)}</b>: ${changes.length} change${changes.length === 1 ? '' : 's'}</summary>`);
    out.push('');
    if (cap > 0) {
      out.push('| | action | account | group | person | reason |');
      out.push('|---|---|---|---|---|---|');
      for (const c of changes.slice(0, cap)) {
        out.push(
          `| ${SYMBOL[c.action] ?? ''} | ${actionLabel(c)}${c.requiresApproval ? ' (needs approval)' : ''} | ${cell(c.target.account?.login)} | ${cell(c.target.group?.name)} | ${cell(c.person)} | ${cell(`${c.reason.kind}: ${c.reason.rule}${c.reason.source ? ` (${c.reason.source})` : ''}`)} |`,
        );
      }
    }
    if (changes.length > cap) out.push('', `…and ${changes.length - cap} more in ${esc(artifact)}.`);
    out.push('', '</details>', '');
  }
  if (plan.hrEvents?.length) {
    out.push(`**HR events in force until the roster says the same:** ${plan.hrEvents.length}`, '');
    for (const e of plan.hrEvents.slice(0, cap)) out.push(`- ${esc(hrEventLabel(e))}`);
    out.push('');
  }
  if (plan.findings.length) {
    out.push(`<details><summary><b>Findings</b>: ${plan.findings.length}</summary>`, '');
    for (const f of plan.findings.slice(0, cap)) out.push(`- **${f.severity}** ${f.kind}: ${esc(f.message)}`);
    if (plan.findings.length > cap) out.push('', `…and ${plan.findings.length - cap} more in ${esc(artifact)}.`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
const cell = (s: string | null | undefined) => (s ? esc(s).replace(/\|/g, '\\|') : '');
