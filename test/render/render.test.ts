import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { aWorld } from '../plan/world.js';

/**
 * A pull request that puts `admins` people into the privileged "IT Admins" group while
 * `leavers` leavers are contained and removed from "Engineering": in apply order the
 * additions come last, after five changes a leaver.
 */
function adminPlan(admins: number, leavers: number, guard: Record<string, number> = { maxSuspendFraction: 1, maxGroupRemovalFraction: 1 }) {
  const w = aWorld()
    .withProvider('okta', 'okta')
    .withLeaverRule()
    .withRole('eng', [['okta', 'Engineering']])
    .withRole('it-admin', [['okta', 'IT Admins']], 'privileged')
    .withAssignment('eng', { roles: ['eng'], select: { department: 'Engineering' } })
    .withAssignment('it-admin', { roles: ['it-admin'], select: { department: 'IT' } })
    .withConfig({ guard });
  const engineers: string[] = [];
  for (let i = 0; i < leavers; i++) {
    const email = `leaver${String(i).padStart(3, '0')}@acme.com`;
    w.withPerson({ email, endDate: '2026-11-21' }).withAccount('okta', { login: email });
    engineers.push(email);
  }
  for (let i = 0; i < 20; i++) {
    const email = `eng${String(i).padStart(3, '0')}@acme.com`;
    w.withPerson({ email, department: 'Engineering' }).withAccount('okta', { login: email });
    engineers.push(email);
  }
  for (let i = 0; i < admins; i++) {
    const email = `admin${String(i).padStart(3, '0')}@acme.com`;
    w.withPerson({ email, department: 'IT' }).withAccount('okta', { login: email });
  }
  return w.withGroup('okta', 'Engineering', engineers).withGroup('okta', 'IT Admins', []).plan();
}

const tableRows = (md: string) => md.split('\n').filter((l) => /^\| [+~!-] \|/.test(l));

function leaverPlan(people = 1) {
  const w = aWorld()
    .withProvider('okta', 'okta')
    .withLeaverRule()
    .withRole('eng', [['okta', 'Engineering']])
    .withAssignment('eng', { roles: ['eng'], select: { department: 'Engineering' } })
    .withConfig({ guard: { maxSuspendFraction: 1, maxGroupRemovalFraction: 1 } });
  const logins: string[] = [];
  for (let i = 0; i < people; i++) {
    const email = `person${String(i).padStart(5, '0')}@acme.com`;
    w.withPerson({ email, endDate: '2026-11-21' }).withAccount('okta', { login: email });
    logins.push(email);
  }
  w.withPerson({ email: 'new@acme.com' }).withAccount('okta', { login: 'new@acme.com' });
  return w.withGroup('okta', 'Engineering', logins).plan();
}

describe('text renderer', () => {
  it('prints one line per change with its symbol and reason, then the summary line', () => {
    const text = renderText(leaverPlan());
    expect(text).toContain('~ suspend');
    expect(text).toContain('- remove_member');
    expect(text).toContain('+ add_member');
    expect(text).toMatch(/lifecycle LifecycleRule\/leaver \(lifecycle\.yaml:1\)/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 1 to add, 1 to remove, 1 to suspend, 0 to delete. Also 3 to revoke (sessions, tokens, factors).');
    expect(text).not.toContain('\x1b[');
  });

  it('says so when access matches policy', () => {
    const plan = aWorld().withProvider('okta', 'okta').plan();
    expect(renderText(plan).trimEnd().split('\n').at(-1)).toBe('No changes. Access matches policy.');
  });

  it('colours only when asked', () => {
    expect(renderText(leaverPlan(), { color: true })).toContain('\x1b[');
  });

  it('shows a tripped guard with the command that approves exactly this plan', () => {
    const plan = aWorld()
      .withProvider('okta', 'okta')
      .withLeaverRule()
      .withPerson({ email: 'a@acme.com', endDate: '2026-11-21' })
      .withAccount('okta', { login: 'a@acme.com' })
      .plan();
    const text = renderText(plan);
    expect(text).toContain('Guard: TRIPPED');
    expect(text).toContain(`--approve-guard ${plan.checksum}`);
  });
});

describe('markdown renderer', () => {
  it('puts the summary in the heading and each provider in a collapsible section', () => {
    const md = renderMarkdown(leaverPlan());
    expect(md.split('\n')[0]).toContain('Plan: 1 to add, 1 to remove, 1 to suspend, 0 to delete.');
    expect(md).toContain('<details><summary><b>okta</b>: 6 changes</summary>');
  });

  it('caps rows and stays under 60,000 characters for a 5,000-person change', { timeout: 60_000 }, () => {
    const plan = leaverPlan(5000);
    expect(plan.changes.length).toBeGreaterThan(25000);
    const md = renderMarkdown(plan, { artifact: 'plan.json' });
    expect(md.length).toBeLessThanOrEqual(60000);
    expect(md.split('\n')[0]).toContain('to suspend');
    expect(md).toMatch(/…and \d+ more not shown \(\d+ containing a leaver\): see plan\.json\./);
    expect(md).toMatch(/\| add_member \| new@acme\.com \| Engineering \| new@acme\.com \| grants access \|/);
  });
});

describe('standing HR events', () => {
  it('both renderers name the events the plan treats as in force, and say nothing when there are none', () => {
    const plan = leaverPlan();
    const withEvents = {
      ...plan,
      hrEvents: [{ id: 'evt-42', type: 'termination' as const, person: 'new@acme.com', effectiveAt: '2026-11-21T09:00:00.000Z', receivedAt: '2026-11-21T09:00:01.000Z' }],
    };
    expect(renderText(withEvents)).toContain(
      'HR events in force until the roster says the same (1):\n  evt-42: termination of new@acme.com, effective 2026-11-21T09:00:00.000Z, received 2026-11-21T09:00:01.000Z',
    );
    expect(renderMarkdown(withEvents)).toContain('- evt-42: termination of new@acme.com, effective 2026-11-21T09:00:00.000Z');
    expect(renderText(plan)).not.toContain('HR events');
    expect(renderMarkdown(plan)).not.toContain('HR events');
  });
});

describe('markdown renderer: risk first', () => {
  it('shows every privileged addition before the leavers’ containment within the row cap, and counts what it cuts', () => {
    const plan = adminPlan(28, 20);
    // In apply order the additions are last: a plan-order cap of 50 would show none of them.
    expect(plan.changes.slice(0, 50).some((c) => c.action === 'add_member')).toBe(false);
    const md = renderMarkdown(plan, { rowCap: 50, artifact: 'plan.json' });
    const rows = tableRows(md);
    expect(rows).toHaveLength(50);
    expect(rows.slice(0, 28).every((r) => r.includes('| add_member |') && r.includes('**grants privileged access**'))).toBe(true);
    expect(rows.slice(28).every((r) => r.includes('leaver containment'))).toBe(true);
    const hidden = plan.changes.length - 50;
    expect(md).toContain(`…and ${hidden} more not shown (${hidden} containing a leaver): see plan.json.`);
    expect(md).toContain(`**Review first:** 28 granting privileged access, ${plan.changes.length - 28} containing a leaver.`);
  });

  it('puts changes a guard violation counts after additions and before other containment, and says how many of each are cut', () => {
    const plan = adminPlan(3, 6, { maxGroupRemovalFraction: 0.1, minGroupSize: 2, maxSuspendFraction: 1 });
    expect(plan.guard.violations.map((v) => v.kind)).toEqual(['group_removal']);
    const md = renderMarkdown(plan, { rowCap: 12, artifact: 'plan.json' });
    const marks = tableRows(md).map((r) => (r.includes('privileged access') ? 'P' : r.includes('guard violation') ? 'G' : r.includes('leaver containment') ? 'C' : 'O'));
    expect(marks.join('')).toBe('PPPGGGGGGCCC');
    const containment = plan.changes.filter((c) => c.action !== 'add_member' && !(c.action === 'remove_member' && c.target.group?.name === 'Engineering')).length;
    expect(md).toContain(`…and ${containment - 3} more not shown (${containment - 3} containing a leaver): see plan.json.`);
    expect(md).toContain(`**Review first:** 3 granting privileged access, 6 counted by a guard violation, ${containment} containing a leaver.`);
  });

  it('cuts rows to fit maxChars and still names every kind it leaves out', () => {
    const plan = adminPlan(60, 200);
    const md = renderMarkdown(plan, { maxChars: 12_000, artifact: 'plan.json' });
    expect(md.length).toBeLessThanOrEqual(12_000);
    const rows = tableRows(md);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes('privileged access'))).toBe(true);
    expect(md).toMatch(
      new RegExp(
        `…and ${plan.changes.length - rows.length} more not shown \\(${60 - rows.length} granting privileged access, ${plan.changes.length - 60} containing a leaver\\): see plan\\.json\\.`,
      ),
    );
  });
});
