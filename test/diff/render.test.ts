import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown } from '../../src/diff/render.js';
import { anEffectiveDiff } from '../support/effective-diff.js';

describe('the markdown access diff', () => {
  it('renders a 5,000-person change under the comment limit with the summary intact', () => {
    const text = renderDiffMarkdown(anEffectiveDiff(5_000), { maxChars: 65_536 });
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toContain('Effective access: 5000 people gain 5000 grants (500 privileged); 0 lose 0; 0 settings changed.');
    expect(text).toMatch(/…and \d+ more rows: see/);
  });
});
