import type { Report } from './build.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const hours = (s: number | null): string => (s === null ? '—' : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly text: string;
  readonly alert?: boolean;
}

/** A horizontal bar chart as inline SVG: no script, no external resource. */
function barChart(id: string, title: string, bars: readonly Bar[]): string {
  const width = 700;
  const row = 28;
  const labelWidth = 150;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * row + 10;
  const body = bars
    .map((b, i) => {
      const w = Math.max(2, Math.round(((width - labelWidth - 250) * b.value) / max));
      const y = i * row + 5;
      return `<text x="0" y="${y + 17}" class="label">${esc(b.label)}</text><rect x="${labelWidth}" y="${y + 4}" width="${w}" height="18" class="${b.alert ? 'bar alert' : 'bar'}"><title>${esc(b.text)}</title></rect><text x="${labelWidth + w + 6}" y="${y + 17}" class="value">${esc(b.text)}</text>`;
    })
    .join('');
  const empty = bars.length === 0 ? '<text x="0" y="20" class="label">no data yet</text>' : '';
  return `<figure><figcaption>${esc(title)}</figcaption><svg id="${id}" class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${body}${empty}</svg></figure>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p class="none">None.</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG charts, no script, no
 * external resource), to open in a browser, attach to a ticket or hand to an auditor.
 */
export function renderReportHtml(r: Report): string {
  const m = r.mttrevoke;
  const cards: [string, string, boolean][] = [
    ['Former employees with access', String(r.formerWithAccess.length), r.formerWithAccess.length > 0],
    ['Orphan / ghost accounts', `${r.orphans.length} / ${r.ghosts.length}`, r.orphans.length + r.ghosts.length > 0],
    ['Dormant accounts', String(r.dormant.length), false],
    ['SLA breaches', String(m.privileged.breaches.length + m.standard.breaches.length), m.privileged.breaches.length + m.standard.breaches.length > 0],
    ['Open manual tasks', String(r.openTasks.length), false],
    ['Licences reclaimable', `${r.licences.total} ${r.licences.currency}/mo`, false],
  ];
  const mttrBars: Bar[] = [
    ...(m.privileged.count
      ? [
          { label: 'privileged p50', value: m.privileged.p50Seconds ?? 0, text: hours(m.privileged.p50Seconds) },
          {
            label: 'privileged p95',
            value: m.privileged.p95Seconds ?? 0,
            text: hours(m.privileged.p95Seconds),
            alert: (m.privileged.p95Seconds ?? 0) > m.privileged.slaSeconds,
          },
        ]
      : []),
    ...(m.standard.count
      ? [
          { label: 'standard p50', value: m.standard.p50Seconds ?? 0, text: hours(m.standard.p50Seconds) },
          { label: 'standard p95', value: m.standard.p95Seconds ?? 0, text: hours(m.standard.p95Seconds), alert: (m.standard.p95Seconds ?? 0) > m.standard.slaSeconds },
        ]
      : []),
  ];
  const coverageBars: Bar[] = r.automation.map((a) => ({
    label: a.provider,
    value: a.coverage ?? 0,
    text: `${Math.round((a.coverage ?? 0) * 100)}% (${a.automated} automated, ${a.manual} manual)`,
  }));
  const trendBars: Bar[] = r.trends.map((t) => ({
    label: `week of ${t.week}`,
    value: t.changesApplied,
    text: `${t.changesApplied} change${t.changesApplied === 1 ? '' : 's'}, ${t.peopleContained} contained`,
  }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access report: ${esc(r.policy.name)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde6;padding-bottom:.2rem}
.meta{color:#5b6475}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;margin:1.2rem 0}
.card{border:1px solid #d8dde6;border-radius:8px;padding:.7rem}.card b{display:block;font-size:1.5rem}.card.alert{border-color:#c0392b;background:#fdf1f0}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff4}
.chart .bar{fill:#3867d6}.chart .bar.alert{fill:#c0392b}.chart .label,.chart .value{font-size:12px;fill:#1d2330}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
.none{color:#5b6475}
</style></head><body>
<h1>Access report: ${esc(r.policy.name)}</h1>
<p class="meta">Generated ${esc(r.now)}${r.policy.commit ? ` at policy commit <code>${esc(r.policy.commit.slice(0, 12))}</code>` : ''}.</p>
<section class="cards">${cards.map(([k, v, alert]) => `<div class="card${alert ? ' alert' : ''}"><b>${esc(v)}</b>${esc(k)}</div>`).join('')}</section>
<h2>Time to revoke</h2>
${barChart('chart-mttr', `Termination to containment (SLA: privileged ${hours(m.privileged.slaSeconds)}, standard ${hours(m.standard.slaSeconds)})`, mttrBars)}
${table(
  ['person', 'time to contain', 'contained at'],
  [...m.privileged.breaches, ...m.standard.breaches].map((b) => [b.person, hours(b.seconds), b.containedAt]),
)}
<h2>Former employees with access</h2>
${table(
  ['person', 'terminated', 'days since', 'accounts'],
  r.formerWithAccess.map((f) => [f.person, f.terminatedAt?.slice(0, 10) ?? '', String(f.daysSince ?? ''), f.accounts.map((a) => `${a.provider}/${a.login}`).join(', ')]),
)}
<h2>Orphan, ghost and dormant accounts</h2>
${table(['kind', 'account', 'detail'], [...r.orphans.map((o) => ['orphan', `${o.provider}/${o.login}`, o.message]), ...r.ghosts.map((g) => ['ghost', `${g.provider}/${g.login}`, g.message]), ...r.dormant.map((d) => ['dormant', `${d.provider}/${d.login}`, d.message])])}
<h2>Exceptions</h2>
${table(
  ['state', 'name', 'person', 'grants', 'expires'],
  [...r.exceptions.expired.map((e) => ['expired', e]), ...r.exceptions.expiring.map((e) => ['expiring', e]), ...r.exceptions.active.map((e) => ['active', e])].map(
    ([state, e]) => {
      const x = e as (typeof r.exceptions.active)[number];
      return [state as string, x.name, x.person, x.grants.join(', '), x.expires];
    },
  ),
)}
<h2>Automation coverage</h2>
${barChart('chart-coverage', 'Changes carried out through the API, per provider', coverageBars)}
<h2>Open manual tasks</h2>
${table(
  ['provider', 'action', 'person', 'open for', 'change'],
  r.openTasks.map((t) => [t.provider, t.action, t.person ?? '', `${t.ageDays} day${t.ageDays === 1 ? '' : 's'}`, t.changeId]),
)}
<h2>Licences reclaimable</h2>
${table(
  ['provider', 'seats', 'price', 'per month'],
  r.licences.byProvider.map((l) => [l.provider, String(l.seats), String(l.seatPrice), `${l.monthly} ${r.licences.currency}`]),
)}
<h2>Trend</h2>
${barChart('chart-trend', 'Changes applied per week', trendBars)}
</body></html>
`;
}
