import { plural } from '../wording/plural.js';
import { MTTR_FIGURES, mttrFigure, type MttrStats, type Report } from './build.js';
import { formatDuration as duration } from './duration.js';

/** A figure of time to revoke, marked when it is over its SLA (`mark` says how, per format). */
const figure = (m: MttrStats, f: (typeof MTTR_FIGURES)[number], mark: (text: string) => string): string => {
  const text = duration(mttrFigure(m, f));
  return m.overSla.includes(f) ? mark(text) : text;
};
const tiers = (r: Report) =>
  [
    ['privileged', r.mttrevoke.privileged],
    ['standard', r.mttrevoke.standard],
  ] as const;

const mttrLine = (tier: string, m: MttrStats): string =>
  `${tier}: ${m.count} contained, ${MTTR_FIGURES.map((f) => `${f} ${figure(m, f, (t) => `${t} (over SLA)`)}`).join(', ')}; SLA ${duration(m.slaSeconds)}, ${plural(m.breaches.length, 'breach', 'breaches')}`;

const trendLine = (t: Report['trends'][number]): string =>
  `${plural(t.changesApplied, 'change')} applied (${t.alreadyDone} already in effect), ${plural(t.peopleContained, 'leaver')} contained, median ${duration(t.medianMttrSeconds)}`;

/** The report as plain text, section by section. */
export function renderReportText(r: Report): string {
  const out: string[] = [`Access report for ${r.policy.name}${r.policy.commit ? ` at ${r.policy.commit.slice(0, 12)}` : ''}, ${r.now}`, ''];
  out.push(`Former employees with access: ${r.formerWithAccess.length}`);
  for (const f of r.formerWithAccess)
    out.push(
      `  ${f.person} (terminated ${f.terminatedAt?.slice(0, 10) ?? '?'}, ${f.daysSince === null ? '? days' : plural(f.daysSince, 'day')}): ${f.accounts.map((a) => `${a.provider}/${a.login}`).join(', ')}`,
    );
  out.push('', `Orphan accounts: ${r.orphans.length}`, ...r.orphans.map((o) => `  ${o.provider}/${o.login}`));
  if (r.protectedUnmatched.length)
    out.push(
      '',
      `Protected accounts matching no person (not counted as orphans): ${r.protectedUnmatched.length}`,
      ...r.protectedUnmatched.map((o) => `  ${o.provider}/${o.login}`),
    );
  out.push('', `Ghost accounts: ${r.ghosts.length}`, ...r.ghosts.map((g) => `  ${g.provider}/${g.login} → ${g.person ?? '?'}`));
  out.push('', `Dormant accounts: ${r.dormant.length}`, ...r.dormant.map((d) => `  ${d.provider}/${d.login} (${d.days === null ? '? days' : plural(d.days, 'day')})`));
  out.push('', `Exceptions: ${r.exceptions.active.length} active, ${r.exceptions.expiring.length} expiring, ${r.exceptions.expired.length} expired`);
  for (const e of r.exceptions.expiring) out.push(`  expiring ${e.name}: ${e.person} ${e.grants.join(', ')} on ${e.expires} (${plural(e.daysLeft, 'day')})`);
  for (const e of r.exceptions.expired) out.push(`  expired ${e.name}: ${e.person} ${e.grants.join(', ')} on ${e.expires}`);
  out.push('', 'Time to revoke (termination → containment confirmed):', ...tiers(r).map(([tier, m]) => `  ${mttrLine(tier, m)}`));
  for (const b of [...r.mttrevoke.privileged.breaches, ...r.mttrevoke.standard.breaches]) out.push(`  SLA breach: ${b.person} after ${duration(b.seconds)}`);
  out.push(
    '',
    'Automation coverage:',
    ...r.automation.map((a) => `  ${a.provider}: ${a.automated} automated, ${a.manual} manual${a.coverage === null ? '' : ` (${Math.round(a.coverage * 100)}%)`}`),
  );
  out.push(
    '',
    `Open manual tasks: ${r.openTasks.length}`,
    ...r.openTasks.map((t) => `  ${t.provider} ${t.action} ${t.person ?? ''} open ${plural(t.ageDays, 'day')} (${t.changeId})`),
  );
  out.push(
    '',
    `Licences reclaimable: ${r.licences.total} ${r.licences.currency}/month`,
    ...r.licences.byProvider.map((l) => `  ${l.provider}: ${plural(l.seats, 'seat')} × ${l.seatPrice} = ${l.monthly}`),
  );
  if (r.trends.length) out.push('', 'By week:', ...r.trends.map((t) => `  ${t.week}: ${trendLine(t)}`));
  return `${out.join('\n')}\n`;
}

/** The report as Markdown (tables), for a ticket or a wiki: every section of the text report. */
export function renderReportMarkdown(r: Report): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
  const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] =>
    rows.length === 0 ? ['None.', ''] : [`| ${head.join(' | ')} |`, `|${head.map(() => '---|').join('')}`, ...rows.map((row) => `| ${row.join(' | ')} |`), ''];
  const account = (a: { provider: string; login: string }) => esc(`${a.provider}/${a.login}`);
  const breaches = r.mttrevoke.privileged.breaches.length + r.mttrevoke.standard.breaches.length;
  const out: string[] = [
    `# Access report: ${esc(r.policy.name)}`,
    '',
    `Generated ${r.now}${r.policy.commit ? ` at policy commit \`${r.policy.commit.slice(0, 12)}\`` : ''}.`,
    '',
    '## Summary',
    '',
    '| | |',
    '|---|---|',
    `| Former employees with access | ${r.formerWithAccess.length} |`,
    `| Orphan / ghost accounts | ${r.orphans.length} / ${r.ghosts.length} |`,
    `| Dormant accounts | ${r.dormant.length} |`,
    `| Exceptions active / expiring / expired | ${r.exceptions.active.length} / ${r.exceptions.expiring.length} / ${r.exceptions.expired.length} |`,
    `| MTTRevoke p50 privileged / standard | ${tiers(r)
      .map(([, m]) => figure(m, 'p50', (t) => `**${t}** ⚠️ over SLA`))
      .join(' / ')} |`,
    `| SLA breaches | ${breaches} |`,
    `| Open manual tasks | ${r.openTasks.length} |`,
    `| Licences reclaimable | ${r.licences.total} ${esc(r.licences.currency)}/month |`,
    '',
  ];
  out.push(
    '## Former employees with access',
    '',
    ...table(
      ['person', 'terminated', 'days', 'accounts'],
      r.formerWithAccess.map((f) => [
        esc(f.person),
        f.terminatedAt?.slice(0, 10) ?? '',
        f.daysSince ?? '',
        esc(f.accounts.map((a) => `${a.provider}/${a.login}`).join(', ')),
      ]),
    ),
  );
  out.push(
    '## Orphan accounts',
    '',
    ...table(
      ['account', 'detail'],
      r.orphans.map((o) => [account(o), esc(o.message)]),
    ),
  );
  if (r.protectedUnmatched.length)
    out.push(
      'Protected accounts matching no person, not counted as orphans:',
      '',
      ...table(
        ['account', 'detail'],
        r.protectedUnmatched.map((o) => [account(o), esc(o.message)]),
      ),
    );
  out.push(
    '## Ghost accounts',
    '',
    ...table(
      ['account', 'person', 'detail'],
      r.ghosts.map((g) => [account(g), esc(g.person ?? ''), esc(g.message)]),
    ),
  );
  out.push(
    '## Dormant accounts',
    '',
    ...table(
      ['account', 'person', 'last seen', 'days'],
      r.dormant.map((d) => [account(d), esc(d.person ?? ''), d.lastSeen ?? '', d.days ?? '']),
    ),
  );
  out.push(
    '## Exceptions',
    '',
    ...table(
      ['state', 'name', 'person', 'grants', 'expires', 'days left'],
      (['expired', 'expiring', 'active'] as const).flatMap((state) =>
        r.exceptions[state].map((e) => [state, esc(e.name), esc(e.person), esc(e.grants.join(', ')), e.expires, e.daysLeft]),
      ),
    ),
  );
  out.push(
    '## Time to revoke',
    '',
    ...table(
      ['tier', 'contained', ...MTTR_FIGURES, 'SLA', 'breaches'],
      tiers(r).map(([tier, m]) => [tier, m.count, ...MTTR_FIGURES.map((f) => figure(m, f, (t) => `**${t}** ⚠️ over SLA`)), duration(m.slaSeconds), m.breaches.length]),
    ),
  );
  if (breaches)
    out.push(
      '### SLA breaches',
      '',
      ...table(
        ['person', 'time to contain', 'contained at'],
        [...r.mttrevoke.privileged.breaches, ...r.mttrevoke.standard.breaches].map((b) => [esc(b.person), duration(b.seconds), b.containedAt]),
      ),
    );
  out.push(
    '## Automation coverage',
    '',
    ...table(
      ['provider', 'automated', 'manual', 'coverage'],
      r.automation.map((a) => [esc(a.provider), a.automated, a.manual, a.coverage === null ? '' : `${Math.round(a.coverage * 100)}%`]),
    ),
  );
  out.push(
    '## Open manual tasks',
    '',
    ...table(
      ['provider', 'action', 'person', 'open for', 'change'],
      r.openTasks.map((t) => [esc(t.provider), esc(t.action), esc(t.person ?? ''), plural(t.ageDays, 'day'), t.changeId]),
    ),
  );
  out.push(
    '## Licences reclaimable',
    '',
    `${r.licences.total} ${esc(r.licences.currency)}/month.`,
    '',
    ...table(
      ['provider', 'seats', 'price', 'per month'],
      r.licences.byProvider.map((l) => [esc(l.provider), l.seats, l.seatPrice, `${l.monthly} ${esc(r.licences.currency)}`]),
    ),
  );
  out.push(
    '## By week',
    '',
    ...table(
      ['week of', 'changes applied', 'already in effect', 'leavers contained', 'median time to revoke'],
      r.trends.map((t) => [t.week, t.changesApplied, t.alreadyDone, t.peopleContained, duration(t.medianMttrSeconds)]),
    ),
  );
  return `${out.join('\n').trimEnd()}\n`;
}
