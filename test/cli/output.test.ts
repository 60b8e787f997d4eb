import { describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/output.js';

describe('colour', () => {
  const tty = { isTTY: true };
  it('is on for a terminal, and off when NO_COLOR has a value (no-color.org), a pipe or a dumb terminal', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: 'false' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('stays on when NO_COLOR is set but empty', () => {
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
  });
});
