import { describe, expect, it } from 'vitest';
import { COMMENT_MARKER, partMarker, partOf, splitMarkdown } from '../../src/github/comment-parts.js';

/** A body with a table inside a <details>, then a fenced diff inside another. */
function body(rows: number, patchLines: number): string {
  return [
    '### Plan',
    '',
    '<details><summary><b>okta</b>: many changes</summary>',
    '',
    '| | action | account |',
    '|---|---|---|',
    ...Array.from({ length: rows }, (_, i) => `| + | add_member | user${i}@acme.com |`),
    '',
    '</details>',
    '',
    '<details><summary>Policy text diff</summary>',
    '',
    '```diff',
    ...Array.from({ length: patchLines }, (_, i) => `+ line ${i} of YAML`),
    '```',
    '',
    '</details>',
  ].join('\n');
}

describe('splitting a comment body', () => {
  it('keeps a body that fits in one part as it is', () => {
    expect(splitMarkdown(body(3, 3), 10_000)).toEqual([`${body(3, 3)}\n`]);
  });

  it('cuts between lines; each part closes what it opened and the next reopens it (details, table header, fence)', () => {
    const text = body(400, 400);
    const parts = splitMarkdown(text, 4_000);
    expect(parts.length).toBeGreaterThan(4);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(4_000);
      expect((p.match(/<details>/g) ?? []).length).toBe((p.match(/<\/details>/g) ?? []).length);
      expect((p.match(/^```/gm) ?? []).length % 2).toBe(0);
      const lines = p.split('\n');
      // every table row is under a header row and its separator
      for (const [i, l] of lines.entries()) if (l.startsWith('| + |')) expect(lines.slice(0, i).some((x) => x === '|---|---|---|')).toBe(true);
    }
    // nothing is lost or repeated: every row and every patch line appears exactly once over all parts
    const all = parts.join('');
    for (let i = 0; i < 400; i++) {
      expect(all.split(`| + | add_member | user${i}@acme.com |\n`).length - 1).toBe(1);
      expect(all.split(`+ line ${i} of YAML\n`).length - 1).toBe(1);
    }
  });

  it('never goes over the limit, whatever line a cut falls on (a details opener, a fence)', () => {
    const blocks = Array.from({ length: 40 }, (_, i) =>
      [`<details><summary>block ${i}</summary>`, '', '| a | b |', '|---|---|', `| ${i} | x |`, `| ${i} | y |`, '', '```', `code ${i}`, '```', '', '</details>', ''].join(
        '\n',
      ),
    ).join('\n');
    for (let limit = 120; limit <= 400; limit += 7) {
      const parts = splitMarkdown(blocks, limit);
      for (const p of parts) {
        expect(p.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
        expect((p.match(/<details>/g) ?? []).length, `limit ${limit}`).toBe((p.match(/<\/details>/g) ?? []).length);
      }
    }
  });

  it('cuts a single line longer than a part, and says so', () => {
    const parts = splitMarkdown(`short\n${'x'.repeat(5_000)}\nend`, 1_000);
    expect(parts.every((p) => p.length <= 1_000)).toBe(true);
    expect(parts.join('')).toContain('…(line cut: too long for one comment)');
    expect(parts.at(-1)).toContain('end');
  });

  it('reads the part a comment holds from its markers', () => {
    expect(partOf(`${COMMENT_MARKER}\n## Lockstep`)).toBe(1);
    expect(partOf(`${COMMENT_MARKER}\n${partMarker(3)}\n## Lockstep`)).toBe(3);
    expect(partOf(`${partMarker(3)} but not ours`)).toBeNull();
    expect(partOf(undefined)).toBeNull();
  });
});
