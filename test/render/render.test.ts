import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { aWorld } from '../plan/world.js';

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
    expect(md).toMatch(/…and \d+ more in plan\.json\./);
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
