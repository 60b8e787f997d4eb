/** Progress and diagnostics; never given a secret. Writes to stderr in the CLI. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}
