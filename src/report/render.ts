import type { MttrStats, Report } from './build.js';

const duration = (s: number | null): string => {
  if (s === null) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
};
const mttrLine = (tier: string, m: MttrStats): string =>
  `${tier}: ${m.count} contained, p50 ${duration(m.p50Seconds)}, p95 ${duration(m.p95Seconds)}, max ${duration(m.maxSeconds)}; SLA ${duration(m.slaSeconds)}, ${m.breaches.length} breach${m.breaches.length === 1 ? '' : 'es'}`;

/** The report as plain text, section by section. */
export function renderReportText(r: Report): string {
  const out: string[] = [`Access report for ${r.policy.name}${r.policy.commit ? ` at ${r.policy.commit.slice(0, 12)}` : ''}, ${r.now}`, ''];
  out.push(`Former employees with access: ${r.formerWithAccess.length}`);
  for (const f of r.formerWithAccess)
    out.push(
      `  ${f.person} (terminated ${f.terminatedAt?.slice(0, 10) ?? '?'}, ${f.daysSince ?? '?'} days): ${f.accounts.map((a) => `${a.provider}/${a.login}`).join(', ')}`,
    );
  out.push('', `Orphan accounts: ${r.orphans.length}`, ...r.orphans.map((o) => `  ${o.provider}/${o.login}`));
  out.push('', `Ghost accounts: ${r.ghosts.length}`, ...r.ghosts.map((g) => `  ${g.provider}/${g.login} → ${g.person ?? '?'}`));
  out.push('', `Dormant accounts: ${r.dormant.length}`, ...r.dormant.map((d) => `  ${d.provider}/${d.login} (${d.days ?? '?'} days)`));
  out.push('', `Exceptions: ${r.exceptions.active.length} active, ${r.exceptions.expiring.length} expiring, ${r.exceptions.expired.length} expired`);
  for (const e of r.exceptions.expiring) out.push(`  expiring ${e.name}: ${e.person} ${e.grants.join(', ')} on ${e.expires} (${e.daysLeft} days)`);
  for (const e of r.exceptions.expired) out.push(`  expired ${e.name}: ${e.person} ${e.grants.join(', ')} on ${e.expires}`);
  out.push(
    '',
    'Time to revoke (termination → containment confirmed):',
    `  ${mttrLine('privileged', r.mttrevoke.privileged)}`,
    `  ${mttrLine('standard', r.mttrevoke.standard)}`,
  );
  for (const b of [...r.mttrevoke.privileged.breaches, ...r.mttrevoke.standard.breaches]) out.push(`  SLA breach: ${b.person} after ${duration(b.seconds)}`);
  out.push(
    '',
    'Automation coverage:',
    ...r.automation.map((a) => `  ${a.provider}: ${a.automated} automated, ${a.manual} manual${a.coverage === null ? '' : ` (${Math.round(a.coverage * 100)}%)`}`),
  );
  out.push(
    '',
    `Open manual tasks: ${r.openTasks.length}`,
    ...r.openTasks.map((t) => `  ${t.provider} ${t.action} ${t.person ?? ''} open ${t.ageDays} days (${t.changeId})`),
  );
  out.push(
    '',
    `Licences reclaimable: ${r.licences.total} ${r.licences.currency}/month`,
    ...r.licences.byProvider.map((l) => `  ${l.provider}: ${l.seats} seats × ${l.seatPrice} = ${l.monthly}`),
  );
  if (r.trends.length)
    out.push(
      '',
      'By week:',
      ...r.trends.map((t) => `  ${t.week}: ${t.changesApplied} changes applied, ${t.peopleContained} leavers contained, median ${duration(t.medianMttrSeconds)}`),
    );
  return `${out.join('\n')}\n`;
}

/** The report as Markdown (tables), for a ticket or a wiki. */
export function renderReportMarkdown(r: Report): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [
    `# Access report: ${esc(r.policy.name)}`,
    '',
    `Generated ${r.now}${r.policy.commit ? ` at policy commit \`${r.policy.commit.slice(0, 12)}\`` : ''}.`,
    '',
  ];
  out.push('## Summary', '', '| | |', '|---|---|');
  out.push(
    `| Former employees with access | ${r.formerWithAccess.length} |`,
    `| Orphan / ghost accounts | ${r.orphans.length} / ${r.ghosts.length} |`,
    `| Dormant accounts | ${r.dormant.length} |`,
  );
  out.push(`| Exceptions active / expiring / expired | ${r.exceptions.active.length} / ${r.exceptions.expiring.length} / ${r.exceptions.expired.length} |`);
  out.push(`| MTTRevoke p50 privileged / standard | ${duration(r.mttrevoke.privileged.p50Seconds)} / ${duration(r.mttrevoke.standard.p50Seconds)} |`);
  out.push(
    `| SLA breaches | ${r.mttrevoke.privileged.breaches.length + r.mttrevoke.standard.breaches.length} |`,
    `| Open manual tasks | ${r.openTasks.length} |`,
    `| Licences reclaimable | ${r.licences.total} ${esc(r.licences.currency)}/month |`,
    '',
  );
  if (r.formerWithAccess.length) {
    out.push('## Former employees with access', '', '| person | terminated | days | accounts |', '|---|---|---|---|');
    for (const f of r.formerWithAccess)
      out.push(
        `| ${esc(f.person)} | ${f.terminatedAt?.slice(0, 10) ?? ''} | ${f.daysSince ?? ''} | ${esc(f.accounts.map((a) => `${a.provider}/${a.login}`).join(', '))} |`,
      );
    out.push('');
  }
  out.push('## Time to revoke', '', '| tier | contained | p50 | p95 | max | SLA | breaches |', '|---|---|---|---|---|---|---|');
  for (const [tier, m] of [
    ['privileged', r.mttrevoke.privileged],
    ['standard', r.mttrevoke.standard],
  ] as const) {
    out.push(
      `| ${tier} | ${m.count} | ${duration(m.p50Seconds)} | ${duration(m.p95Seconds)} | ${duration(m.maxSeconds)} | ${duration(m.slaSeconds)} | ${m.breaches.length} |`,
    );
  }
  out.push('', '## Automation coverage', '', '| provider | automated | manual | coverage |', '|---|---|---|---|');
  for (const a of r.automation) out.push(`| ${esc(a.provider)} | ${a.automated} | ${a.manual} | ${a.coverage === null ? '' : `${Math.round(a.coverage * 100)}%`} |`);
  return `${out.join('\n')}\n`;
}
