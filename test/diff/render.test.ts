import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown } from '../../src/diff/render.js';
import { anEffectiveDiff } from '../support/effective-diff.js';

describe('the markdown access diff', () => {
  it('renders a 5,000-person change under the comment limit with the summary intact', () => {
    const text = renderDiffMarkdown(anEffectiveDiff(5_000), { maxChars: 65_536 });
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toContain('Effective access: 5000 people gain 5000 grants (500 privileged); 0 lose 0; 0 settings changed.');
    expect(text).toMatch(/…and \d+ more rows not shown \(\d+ [^)]*\): see/);
  });

  it('lists privileged gains before the others, and counts each kind it does not show', () => {
    const text = renderDiffMarkdown(anEffectiveDiff(100), { maxRows: 12 });
    const people = [...text.matchAll(/^\| (person\d+)@acme\.com \| \*\*gains\*\*/gm)].map((m) => m[1]);
    // persons 0, 10, …, 90 gain a privileged group: all ten come first, then the first two others.
    expect(people).toEqual(['person0', 'person10', 'person20', 'person30', 'person40', 'person50', 'person60', 'person70', 'person80', 'person90', 'person1', 'person2']);
    expect(text).toContain('…and 88 more rows not shown (88 other gains): see');
    expect(text).toContain('…and 28 more groups not shown: see');
  });
});
