import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';

/** The CLI's commands (subcommands as `audit verify`) with the long options of each, for checking files that run the CLI. */
export function cliCommands(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const name = [...prefix, sub.name()];
      out.set(name.join(' '), new Set(sub.options.map((o) => o.long).filter((l): l is string => !!l)));
      walk(sub, name);
    }
  };
  walk(
    buildProgram(() => {}),
    [],
  );
  return out;
}
