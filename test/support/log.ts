import type { Logger } from '../../src/logger.js';

/** A logger that keeps its lines (warnings prefixed `WARN `) and drops debug output. */
export function aLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`), debug: () => {} };
}
