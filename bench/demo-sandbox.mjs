// The demo organisation in the sandbox emulators, with a policy folder whose Config points
// every provider at its emulator: the world the MTTR bench and the kill trials run on.
import { join } from 'node:path';

/**
 * Starts the emulators for the demo organisation made at `now` and writes its policy to
 * `<work>/policies`. `spec` is merged into the Config's spec after the connections (the
 * benches let the guard through and set apply concurrency). Resolves with the organisation,
 * the sandbox (stop it when done) and the emulators that serve an API.
 */
export async function demoSandbox(root, { work, now, spec = () => ({}) }) {
  const { demoOrg } = await import(join(root, 'dist/src/demo/demo-org.js'));
  const { writePolicyFolder } = await import(join(root, 'dist/src/demo/write-policy.js'));
  const { startSandbox } = await import(join(root, 'dist/src/sandbox/sandbox.js'));
  const { manualOwners } = await import(join(root, 'dist/src/cli/commands/sandbox.js'));
  const { silentLogger } = await import(join(root, 'dist/src/cli/output.js'));
  const org = demoOrg(now);
  const sandbox = await startSandbox(org.snapshot, { dir: join(work, 'sandbox'), owners: manualOwners(org.documents), log: silentLogger });
  const emulated = [...sandbox.emulators.values()].filter((e) => e.url);
  const documents = org.documents.map((d) => {
    if (d.kind !== 'Config') return d;
    const providers = { ...d.spec.providers };
    for (const [name, emu] of sandbox.emulators) if (emu.url) providers[name] = { ...providers[name], ...emu.connection };
    return { ...d, spec: { ...d.spec, providers, ...spec(d.spec) } };
  });
  await writePolicyFolder(join(work, 'policies'), { ...org, documents });
  return { org, sandbox, emulated };
}
