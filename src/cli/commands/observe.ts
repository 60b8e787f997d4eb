import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode } from '../../errors.js';
import { loadPolicy } from '../../run/load-policy.js';
import { closeProviders, connectProviders } from '../../run/connect.js';
import { observeProviders } from '../../snapshot/observe.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { withStateStore } from '../workspace.js';
import { withRecording } from '../recording.js';
import { plural } from '../../wording/plural.js';

/** `lockstep observe [--out FILE]`: the observed state of every provider, for offline planning. */
export async function observeCommand(opts: { policies: string; out?: string; stateDir?: string; state?: string; resync?: boolean; record?: string }): Promise<number> {
  const log = stderrLogger();
  const policy = await loadPolicy(resolve(opts.policies), { checkSecrets: true });
  // Observing writes what providers keep between runs (delta links) to the state store.
  return withStateStore(policy, opts, { log, write: true }, (store) =>
    withRecording(opts.record, 'observe', async (wire) => {
      const providers = connectProviders(policy, { store, log, wire, access: 'read' });
      try {
        const snapshot = await observeProviders(providers, log, undefined, { resync: opts.resync === true });
        const text = JSON.stringify(snapshot, null, 2) + '\n';
        if (opts.out) {
          await writeFile(resolve(opts.out), text);
          const accounts = Object.values(snapshot.providers).reduce((n, p) => n + p.accounts.length, 0);
          writeErr(`snapshot of ${plural(Object.keys(snapshot.providers).length, 'provider')} (${plural(accounts, 'account')}) written to ${opts.out}\n`);
        } else writeOut(text);
        return ExitCode.Ok;
      } finally {
        await closeProviders(providers);
      }
    }),
  );
}
