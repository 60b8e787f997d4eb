import type { SkipReason } from './groups.js';
import type { ImportResult } from './infer.js';
import { plural } from '../wording/plural.js';

/** Where the import's observed state and roster came from, for the report's heading. */
export interface ReportContext {
  /** `snapshot FILE` or `observed okta, google, ...`. */
  readonly source: string;
  readonly observedAt: string;
  readonly roster: string;
  readonly now: string;
  /** Rows per table; the rest is counted (the file keeps every row, the terminal a few). */
  readonly limit: number;
  /** Said after a cut table, e.g. `see IMPORT.md`. */
  readonly more?: string | undefined;
}

const WHY: Readonly<Record<SkipReason, string>> = {
  system: "the provider's own (system) group",
  empty: 'no members',
  no_people: 'no member is a person the roster entitles today',
  mostly_unmatched: 'most of its accounts match no person in the roster',
  outside_accounts: 'accounts outside the company domains match no person: managing it would remove them',
};

/** A markdown cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[], ctx: ReportContext): string[] {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows.slice(0, ctx.limit)) lines.push(`| ${row.map(cell).join(' | ')} |`);
  if (rows.length > ctx.limit) lines.push('', `… and ${rows.length - ctx.limit} more${ctx.more ? ` (${ctx.more})` : ''}.`);
  return lines;
}

/**
 * The import report (IMPORT.md, and stdout): what was turned into policy and, above all,
 * what could not be explained by roster attributes — skipped groups, accounts matching no
 * person, access only a list of names explains, leavers still holding access.
 */
export function renderImportReport(result: ImportResult, ctx: ReportContext): string {
  const f = result.findings;
  const memberships = f.imported.reduce((n, g) => n + g.members, 0);
  const bySelector = f.imported.reduce((n, g) => n + g.bySelector, 0);
  const listed = memberships - bySelector;
  const selectorAssignments = result.assignments.filter((a) => a.spec.select).length;
  const orphans = f.unmatched.filter((a) => a.orphan).length;
  const considered = f.imported.length + f.skipped.length;
  const providers = new Set([...f.imported, ...f.skipped].map((g) => g.provider)).size;
  const pct = memberships === 0 ? '0' : ((100 * bySelector) / memberships).toFixed(1);

  const out: string[] = [
    `# Import of ${result.config.metadata.name}`,
    '',
    `From ${ctx.source} (observed ${ctx.observedAt}) and the roster ${ctx.roster} (${plural(f.people, 'person', 'people')}, ${f.entitled} entitled to access at ${ctx.now}).`,
    '',
    '## Summary',
    '',
    `- ${plural(considered, 'group')} in ${plural(providers, 'provider')}: ${f.imported.length} managed (one RoleProfile each), ${f.skipped.length} left unmanaged.`,
    `- ${plural(result.assignments.length, 'RoleAssignment')}: ${selectorAssignments} by roster attributes, ${result.assignments.length - selectorAssignments} listing people by name.`,
    `- ${memberships} memberships of people the roster entitles: ${bySelector} (${pct}%) explained by roster attributes, ${listed} only by a list of ${plural(f.explicitOnly.size, 'person', 'people')}.`,
    `- ${plural(f.leavers.length, 'leaver')} still in managed groups: the leaver rules contain them on the first apply.`,
    `- ${plural(f.unmatched.length, 'account')} of these providers ${f.unmatched.length === 1 ? 'matches' : 'match'} no person: ${orphans} in a company domain (orphans), ${f.unmatched.length - orphans} outside.`,
    '',
    'Planning right after this import, against the same observed state, changes nothing but the lifecycle',
    '(leavers, contract ends, orphan accounts in managed groups). Review the roles marked privileged,',
    'add owners, and the dormancy, orphan and leave rules your organisation wants.',
  ];

  out.push('', '## Groups left unmanaged', '');
  if (f.skipped.length === 0) out.push('None.');
  else
    out.push(
      ...table(
        ['provider', 'group', 'accounts', 'why'],
        f.skipped.map((s) => [s.provider, s.group, String(s.accounts), WHY[s.reason]]),
        ctx,
      ),
    );

  out.push('', '## Accounts matching no person in the roster', '');
  if (f.unmatched.length === 0) out.push('None.');
  else
    out.push(
      ...table(
        ['provider', 'login', 'status', 'kind', 'groups'],
        f.unmatched.map((a) => [a.provider, a.login, a.status, a.orphan ? 'orphan (company domain)' : 'outside the company domains', a.groups.join(', ') || '(none)']),
        ctx,
      ),
    );

  out.push('', '## Access explained only by a list of people', '');
  out.push('No selector on department, title, employment type or company covers these memberships without also selecting someone who is not a member today.', '');
  if (f.explicitOnly.size === 0) out.push('None.');
  else
    out.push(
      ...table(
        ['person', 'roles'],
        [...f.explicitOnly].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([email, roles]) => [email, roles.join(', ')]),
        ctx,
      ),
    );

  out.push('', '## Leavers still in managed groups', '');
  if (f.leavers.length === 0) out.push('None.');
  else
    out.push(
      ...table(
        ['person'],
        f.leavers.map((e) => [e]),
        ctx,
      ),
    );
  return `${out.join('\n')}\n`;
}
