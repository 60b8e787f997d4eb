import { describe, expect, it } from 'vitest';
import { nextLink } from '../../src/github/comment.js';

describe('paging GitHub comments', () => {
  it('reads rel="next" from a Link header', () => {
    expect(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"')).toBe('https://api.github.com/x?page=2');
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});
