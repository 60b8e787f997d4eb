import type { Plan } from '../types/index.js';
import { actionLabel, hrEventLabel, reasonLabel, SYMBOL, summaryLine, targetLabel, violationLabel } from './describe.js';

export interface TextOptions {
  color: boolean;
}

const ANSI = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** Terminal rendering: one line per change with its reason, findings, guard, summary line. */
export function renderText(plan: Plan, opts: TextOptions = { color: false }): string {
  const paint = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const symbolColor = (sym: string): keyof typeof ANSI => (sym === '+' ? 'green' : sym === '-' ? 'red' : sym === '!' ? 'cyan' : 'yellow');
  const lines: string[] = [];
  const commit = plan.policy.commit ? ` @ ${plan.policy.commit.slice(0, 12)}` : '';
  lines.push(paint('bold', `Lockstep plan for ${plan.policy.name}${commit}`) + paint('dim', ` (observed ${plan.observedAt}, now ${plan.now})`));
  lines.push('');
  const width = Math.max(0, ...plan.changes.map((c) => actionLabel(c).length));
  for (const c of plan.changes) {
    const sym = SYMBOL[c.action] ?? '?';
    const flags = [c.requiresApproval ? 'needs approval' : '', c.tier === 'privileged' ? 'privileged' : ''].filter(Boolean).join(', ');
    lines.push(`  ${paint(symbolColor(sym), `${sym} ${actionLabel(c).padEnd(width)}`)}  ${c.provider}  ${targetLabel(c)}${flags ? paint('bold', ` [${flags}]`) : ''}`);
    lines.push(paint('dim', `      ${c.id}  ${reasonLabel(c)}`));
  }
  if (plan.changes.length) lines.push('');
  if (plan.hrEvents?.length) {
    lines.push(paint('bold', `HR events in force until the roster says the same (${plan.hrEvents.length}):`));
    for (const e of plan.hrEvents) lines.push(`  ${hrEventLabel(e)}`);
    lines.push('');
  }
  if (plan.findings.length) {
    lines.push(paint('bold', `Findings (${plan.findings.length}):`));
    for (const f of plan.findings) {
      const sev = f.severity === 'high' ? paint('red', 'high') : f.severity === 'warning' ? paint('yellow', 'warning') : 'info';
      lines.push(`  [${sev}] ${f.kind}: ${f.message}`);
    }
    lines.push('');
  }
  if (plan.guard.violations.length) {
    lines.push(plan.guard.tripped ? paint('red', paint('bold', 'Guard: TRIPPED — apply will halt until approved')) : paint('green', 'Guard: violations approved'));
    for (const v of plan.guard.violations) lines.push(`  ${v.approvedBy ? '✓' : '✗'} ${violationLabel(v)}`);
    if (plan.guard.tripped) lines.push(`  approve exactly this plan with: lockstep apply PLAN_FILE --approve-guard ${plan.checksum}`);
    lines.push('');
  }
  lines.push(paint('bold', summaryLine(plan)));
  return lines.join('\n') + '\n';
}
