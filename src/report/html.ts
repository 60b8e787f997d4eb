import { plural } from '../wording/plural.js';
import { MTTR_FIGURES, mttrFigure, type Report } from './build.js';
import { formatDuration } from './duration.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A table cell: its text, drawn in the alert style (and saying so) when `alert`. */
type Cell = string | { readonly text: string; readonly alert: boolean };

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
      const w = Math.max(2, Math.round(((width - labelWidth - 320) * b.value) / max));
      const y = i * row + 5;
      return `<text x="0" y="${y + 17}" class="label">${esc(b.label)}</text><rect x="${labelWidth}" y="${y + 4}" width="${w}" height="18" class="${b.alert ? 'bar alert' : 'bar'}"><title>${esc(b.text)}</title></rect><text x="${labelWidth + w + 6}" y="${y + 17}" class="value">${esc(b.text)}</text>`;
    })
    .join('');
  const empty = bars.length === 0 ? '<text x="0" y="20" class="label">no data yet</text>' : '';
  return `<figure><figcaption>${esc(title)}</figcaption><svg id="${id}" class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${body}${empty}</svg></figure>`;
}

function table(id: string, head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  if (rows.length === 0) return `<p class="none" id="${id}">None.</p>`;
  const cell = (c: Cell) =>
    typeof c === 'string' ? `<td>${esc(c)}</td>` : c.alert ? `<td class="alert">${esc(c.text)} <b>over SLA</b></td>` : `<td>${esc(c.text)}</td>`;
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG charts, no script, no
 * external resource), to open in a browser, attach to a ticket or hand to an auditor.
 */
export function renderReportHtml(r: Report): string {
  const m = r.mttrevoke;
  const tiers = [
    ['privileged', m.privileged],
    ['standard', m.standard],
  ] as const;
  const cards: [string, string, string, boolean][] = [
    ['former', 'Former employees with access', String(r.formerWithAccess.length), r.formerWithAccess.length > 0],
    ['orphans', 'Orphan / ghost accounts', `${r.orphans.length} / ${r.ghosts.length}`, r.orphans.length + r.ghosts.length > 0],
    ['dormant', 'Dormant accounts', String(r.dormant.length), false],
    ['breaches', 'SLA breaches', String(m.privileged.breaches.length + m.standard.breaches.length), m.privileged.breaches.length + m.standard.breaches.length > 0],
    ['tasks', 'Open manual tasks', String(r.openTasks.length), false],
    ['licences', 'Licences reclaimable', `${r.licences.total} ${r.licences.currency}/mo`, false],
  ];
  const mttrBars: Bar[] = tiers.flatMap(([tier, t]) =>
    t.count
      ? MTTR_FIGURES.map((f) => {
          const over = t.overSla.includes(f);
          return { label: `${tier} ${f}`, value: mttrFigure(t, f) ?? 0, text: `${formatDuration(mttrFigure(t, f))}${over ? ' — over SLA' : ''}`, alert: over };
        })
      : [],
  );
  const coverageBars: Bar[] = r.automation.map((a) => ({
    label: a.provider,
    value: a.coverage ?? 0,
    text: `${Math.round((a.coverage ?? 0) * 100)}% (${a.automated} automated, ${a.manual} manual)`,
  }));
  const trendBars: Bar[] = r.trends.map((t) => ({
    label: `week of ${t.week}`,
    value: t.changesApplied,
    text: `${plural(t.changesApplied, 'change')} applied, ${t.alreadyDone} already in effect, ${t.peopleContained} contained`,
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
.none{color:#5b6475}td.alert{color:#c0392b}
</style></head><body>
<h1>Access report: ${esc(r.policy.name)}</h1>
<p class="meta">Generated ${esc(r.now)}${r.policy.commit ? ` at policy commit <code>${esc(r.policy.commit.slice(0, 12))}</code>` : ''}.</p>
<section class="cards">${cards.map(([id, k, v, alert]) => `<div class="card${alert ? ' alert' : ''}" id="card-${id}"><b>${esc(v)}</b>${esc(k)}</div>`).join('')}</section>
<h2>Time to revoke</h2>
${barChart('chart-mttr', `Termination to containment (SLA: privileged ${formatDuration(m.privileged.slaSeconds)}, standard ${formatDuration(m.standard.slaSeconds)})`, mttrBars)}
${table(
  'table-mttr',
  ['tier', 'contained', ...MTTR_FIGURES, 'SLA', 'breaches'],
  tiers.map(([tier, t]) => [
    tier,
    String(t.count),
    ...MTTR_FIGURES.map((f) => ({ text: formatDuration(mttrFigure(t, f)), alert: t.overSla.includes(f) })),
    formatDuration(t.slaSeconds),
    String(t.breaches.length),
  ]),
)}
<h3>SLA breaches</h3>
${table(
  'table-breaches',
  ['person', 'time to contain', 'contained at'],
  [...m.privileged.breaches, ...m.standard.breaches].map((b) => [b.person, formatDuration(b.seconds), b.containedAt]),
)}
<h2>Former employees with access</h2>
${table(
  'table-former',
  ['person', 'terminated', 'days since', 'accounts'],
  r.formerWithAccess.map((f) => [f.person, f.terminatedAt?.slice(0, 10) ?? '', String(f.daysSince ?? ''), f.accounts.map((a) => `${a.provider}/${a.login}`).join(', ')]),
)}
<h2>Orphan, ghost and dormant accounts</h2>
${table('table-accounts', ['kind', 'account', 'detail'], [...r.orphans.map((o) => ['orphan', `${o.provider}/${o.login}`, o.message]), ...r.ghosts.map((g) => ['ghost', `${g.provider}/${g.login}`, g.message]), ...r.dormant.map((d) => ['dormant', `${d.provider}/${d.login}`, d.message])])}
${
  r.protectedUnmatched.length
    ? `<p>Protected accounts matching no person, not counted as orphans:</p>\n${table(
        'table-protected',
        ['account', 'detail'],
        r.protectedUnmatched.map((o) => [`${o.provider}/${o.login}`, o.message]),
      )}`
    : ''
}
<h2>Exceptions</h2>
${table(
  'table-exceptions',
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
  'table-tasks',
  ['provider', 'action', 'person', 'open for', 'change'],
  r.openTasks.map((t) => [t.provider, t.action, t.person ?? '', plural(t.ageDays, 'day'), t.changeId]),
)}
<h2>Licences reclaimable</h2>
${table(
  'table-licences',
  ['provider', 'seats', 'price', 'per month'],
  r.licences.byProvider.map((l) => [l.provider, String(l.seats), String(l.seatPrice), `${l.monthly} ${r.licences.currency}`]),
)}
<h2>Trend</h2>
${barChart('chart-trend', 'Changes applied per week', trendBars)}
</body></html>
`;
}
