import { describe, expect, it } from 'vitest';
import { parseBlame } from '../../src/git/blame.js';

describe('git blame', () => {
  it('parses git blame --line-porcelain, including uncommitted lines', () => {
    const a = 'a'.repeat(40);
    const text = [
      `${a} 1 1 2`,
      'author Ann',
      'author-mail <ann@x.com>',
      'author-time 1700000000',
      'summary s',
      '\tline one',
      `${a} 2 2`,
      'author Ann',
      'author-mail <ann@x.com>',
      'author-time 1700000000',
      '\tline two',
      `${'0'.repeat(40)} 3 3 1`,
      'author Not Committed Yet',
      'author-mail <not.committed.yet>',
      'author-time 1800000000',
      '\tline three',
    ].join('\n');
    const lines = parseBlame(text);
    expect(lines[1]).toEqual({ sha: a, author: 'Ann <ann@x.com>', date: '2023-11-14T22:13:20.000Z' });
    expect(lines[2]).toEqual(lines[1]);
    expect(lines[3]).toBeNull();
  });
});
