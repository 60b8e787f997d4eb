import { redactor } from '../policy/secrets.js';
import type { Logger } from '../logger.js';

/** stdout carries results; stderr carries progress and diagnostics. Both are scrubbed of secrets. */
export function writeOut(text: string): void {
  process.stdout.write(redactor.redact(text));
}

export function writeErr(text: string): void {
  process.stderr.write(redactor.redact(text));
}

/**
 * Colour on a terminal, unless NO_COLOR is set to a non-empty value (no-color.org: an
 * empty NO_COLOR does not count) or the terminal is dumb.
 */
export function useColor(stream: Pick<NodeJS.WriteStream, 'isTTY'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function stderrLogger(verbose = Boolean(process.env.LOCKSTEP_DEBUG)): Logger {
  return {
    info: (m) => writeErr(`${m}\n`),
    warn: (m) => writeErr(`warning: ${m}\n`),
    debug: (m) => {
      if (verbose) writeErr(`debug: ${m}\n`);
    },
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, debug: () => {} };
