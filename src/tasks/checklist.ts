import type { TaskRecord } from './book.js';

/**
 * TASKS.md: the checklist an app owner works from. Deterministic for a given set of
 * open tasks (no clock), so rewriting it for an unchanged set changes nothing.
 */
export function renderTaskList(provider: string, tasks: readonly TaskRecord[]): string {
  const lines = [`# Open tasks: ${provider}`, ''];
  if (tasks.length === 0) {
    lines.push('No open tasks. Everything Lockstep asked for here has been confirmed.', '');
    return lines.join('\n');
  }
  const owners = [...new Set(tasks.map((t) => t.owner))].sort();
  lines.push(
    `${tasks.length} open task${tasks.length === 1 ? '' : 's'} for ${owners.join(', ')}.`,
    `${provider} has no API Lockstep can use, so each change below is done by hand in the app,`,
    'then confirmed in the policy repository (see "How to confirm"). A task stays open until confirmed.',
    '',
  );
  for (const t of tasks) {
    const subject = t.account ? `\`${t.account.login}\`` : t.group ? `group \`${t.group.name}\`` : provider;
    lines.push(`- [ ] **${t.action.replace(/_/g, ' ')}** ${subject}${t.person ? ` (person: ${t.person})` : ''}`);
    if (t.account && t.account.id !== t.account.login) lines.push(`  - Account id: \`${t.account.id}\``);
    if (t.group && t.account) lines.push(`  - Group: \`${t.group.name}\``);
    lines.push(
      `  - Instructions: ${t.instructions}`,
      `  - Owner: ${t.owner}`,
      `  - Why: ${t.reason}`,
      `  - Open since: ${t.openedAt}`,
      `  - Change id to confirm: \`${t.id}\``,
    );
  }
  lines.push(
    '',
    '## How to confirm',
    '',
    'When the work is done, add a Confirmation document to the policy repository and merge it',
    'like any policy change (the merge records who confirmed). List the change ids you completed:',
    '',
    '```yaml',
    'apiVersion: lockstep.dev/v1',
    'kind: Confirmation',
    'metadata:',
    `  name: ${confirmationName(provider)}`,
    'spec:',
    '  changes:',
    ...tasks.map((t) => `    - ${t.id}`),
    `  confirmedBy: ${owners[0] ?? 'owner@example.com'}`,
    '  confirmedAt: YYYY-MM-DD   # when the work was done in the app',
    '  note: ""',
    '```',
    '',
  );
  return lines.join('\n');
}

/** A metadata.name suggestion that satisfies the policy name pattern. */
function confirmationName(provider: string): string {
  const base = provider.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `${base || 'tasks'}-done`;
}
