import { redactor } from '../policy/secrets.js';
import type { Logger } from '../logger.js';

/** stdout carries results; stderr carries progress and diagnostics. Both are scrubbed of secrets. */
export function writeOut(text: string): void {
  process.stdout.write(redactor.redact(text));
}

export function writeErr(text: string): void {
  process.stderr.write(redactor.redact(text));
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
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
