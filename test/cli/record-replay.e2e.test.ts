import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../providers/google/emulator/index.js';
import { startOktaEmulator, type OktaEmulator } from '../../providers/okta/emulator/index.js';
import { startScimEmulator, type ScimEmulator } from '../../providers/scim/emulator/index.js';
import type { ProviderRecording, RecordedExchange } from '../../src/record/recording.js';
import { aWorld } from '../plan/world.js';
import { writePolicyFiles } from '../support/policy-folder.js';
import { ROOT, runCli, tempDir, type CliResult } from './run-cli.js';

/**
 * `--record DIR` and `lockstep replay DIR` through the CLI: a leaver planned and applied
 * against Okta, Google Workspace and a SCIM app (their emulators), recorded; the
 * recordings hold no credential and no local host; with every emulator closed, the
 * replay makes the same provider calls and gets the same answers; and a recording whose
 * answer was changed, or that lacks an exchange, makes the replay fail and say where.
 */
const OKTA_TOKEN = 'okta-ssws-record-7d2c9e4b1a6f';
const SCIM_TOKEN = 'scim-bearer-record-3e8a5c0d9f71';
const NOW = '2026-11-02T01:00:00.000Z';

const world = () => {
  const w = aWorld(NOW)
    .withProvider('okta', 'okta', { token: '${file:okta.token}', owner: 'it-ops@acme.com' })
    .withProvider('gws', 'google', { customer: 'my_customer', transferPollMs: 20 })
    .withProvider('app', 'scim', { token: '${env:APP_TOKEN}', owner: 'app-owner@acme.com' })
    .withConfig({ guard: { maxSuspendFraction: 1.0, minGroupSize: 100 } })
    .withRole('staff', [
      ['okta', 'Employees'],
      ['gws', 'staff@acme.com'],
      ['app', 'Agents'],
    ])
    .withAssignment('staff', { roles: ['staff'], select: { status: ['active'] } })
    .withRule('leaver', { trigger: 'terminated', stages: [{ after: '0h', actions: ['suspend', 'revoke_sessions', 'remove_all_groups'] }] })
    .withPerson({ employeeId: 'E1', email: 'alice@acme.com', name: 'Alice', manager: 'bob@acme.com', endDate: '2026-11-02' })
    .withPerson({ employeeId: 'E2', email: 'bob@acme.com', name: 'Bob' })
    .withPerson({ employeeId: 'E3', email: 'carol@acme.com', name: 'Carol', manager: 'bob@acme.com' });
  const everyone = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com'];
  const ids = { okta: ['00u1alice', '00u2bob', '00u3carol'], gws: ['1001', '1002', '1003'], app: ['u-1', 'u-2', 'u-3'] };
  for (const [provider, list] of Object.entries(ids))
    everyone.forEach((login, i) => w.withAccount(provider, { id: list[i]!, login, externalId: null, lastLoginAt: null }));
  return w
    .withGroup('okta', 'Employees', everyone, { id: '00g2emp' })
    .withGroup('gws', 'staff@acme.com', everyone, { id: 'g-staff' })
    .withGroup('app', 'Agents', everyone, { id: 'g-agents' });
};

describe('recording a run against the providers and replaying it', { timeout: 120_000 }, () => {
  let okta: OktaEmulator;
  let google: GoogleEmulator;
  let scim: ScimEmulator;
  let cwd: string;
  let secrets: string[];
  const run = (args: string[]): Promise<CliResult> => runCli(args, { cwd, env: { APP_TOKEN: SCIM_TOKEN } });
  const recordings = () => join(cwd, 'recordings');
  const runDirs = () => readdirSync(recordings()).sort();
  const readRecording = (runDir: string, provider: string) => JSON.parse(readFileSync(join(recordings(), runDir, `${provider}.json`), 'utf8')) as ProviderRecording;

  beforeAll(async () => {
    const w = world();
    okta = await startOktaEmulator({ seed: w.snapshot.providers.okta!, token: OKTA_TOKEN });
    google = await startGoogleEmulator({ seed: w.snapshot.providers.gws! });
    scim = await startScimEmulator({ seed: w.snapshot.providers.app!, token: SCIM_TOKEN, etags: true, basePath: '/scim/v2' });
    const key = google.serviceAccountKey()!;
    cwd = tempDir({ 'policies/okta.token': `${OKTA_TOKEN}\n` });
    const keyPath = join(cwd, 'google-key.json');
    writeFileSync(keyPath, key, { mode: 0o600 });
    w.withConnection('okta', { orgUrl: okta.url })
      .withConnection('gws', { subject: google.admin, credentials: `\${file:${keyPath}}`, rootUrl: google.url })
      .withConnection('app', { baseUrl: scim.url });
    writePolicyFiles(join(cwd, 'policies'), w);
    const privateKey = (JSON.parse(key) as { private_key: string }).private_key;
    secrets = [OKTA_TOKEN, SCIM_TOKEN, ...privateKey.split('\n').filter((l) => l.length > 40)];
  });

  afterAll(async () => {
    await Promise.all([okta?.close(), google?.close(), scim?.close()]);
  });

  it('records the plan and the apply of a leaver, one run folder each', async () => {
    const planned = await run(['plan', '--now', NOW, '--out', 'plan.json', '--record', 'recordings']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toMatch(/recorded this run's provider exchanges, sanitised, in .*recordings\/\S+-plan/);
    const applied = await run(['apply', 'plan.json', '--record', 'recordings']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(okta.observed().accounts.find((a) => a.id === '00u1alice')?.status).toBe('suspended');

    expect(runDirs()).toHaveLength(2);
    expect(runDirs()[0]).toMatch(/-plan$/);
    expect(runDirs()[1]).toMatch(/-apply$/);
    const plan = readRecording(runDirs()[0]!, 'okta');
    expect(plan.calls.map((c) => c.call)).toEqual(['observe']);
    const apply = readRecording(runDirs()[1]!, 'okta');
    const applies = apply.calls.flatMap((c) => (c.call === 'apply' ? [`${c.change.action} ${'value' in c.result ? c.result.value.result : 'error'}`] : []));
    expect(applies.sort()).toEqual(['remove_member ok', 'revoke_sessions ok', 'suspend ok']);
    expect(apply.exchanges.some((x) => x.method === 'POST' && x.url.endsWith('/api/v1/users/00u1alice/lifecycle/suspend'))).toBe(true);
    // Google's token exchange is recorded (its assertion replaced), and SCIM's PATCH of the group.
    const gws = readRecording(runDirs()[1]!, 'gws');
    expect(gws.exchanges.find((x) => x.url.endsWith('/token'))?.requestBody).toMatch(/assertion=%5Bredacted%5D/);
    expect(readRecording(runDirs()[1]!, 'app').exchanges.some((x) => x.method === 'PATCH' && x.url.endsWith('/scim/v2/Groups/g-agents'))).toBe(true);
  });

  it('keeps no credential, no local host and no file path of the run', () => {
    const files = runDirs().flatMap((d) => readdirSync(join(recordings(), d)).map((f) => join(recordings(), d, f)));
    expect(files.length).toBe(8);
    const issued = google.accessTokens();
    expect(issued.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(statSync(file).mode & 0o077, `${file} is readable by others`).toBe(0);
      const text = readFileSync(file, 'utf8');
      for (const s of [...secrets, ...issued]) expect(text, file).not.toContain(s);
      expect(text, file).not.toMatch(/127\.0\.0\.1|localhost|\[::1\]/);
      expect(text, file).not.toContain(cwd);
    }
    for (const d of runDirs()) {
      for (const p of ['okta', 'gws', 'app']) {
        const rec = readRecording(d, p);
        expect(rec.origins).toEqual([`https://${p}.recorded.invalid`]);
        for (const x of rec.exchanges) {
          expect(x.url.startsWith(`https://${p}.recorded.invalid/`), x.url).toBe(true);
          expect(Object.keys(x.requestHeaders).filter((h) => !['content-type', 'if-match', 'if-none-match', 'prefer', 'consistencylevel'].includes(h))).toEqual([]);
        }
      }
      expect(readRecording(d, 'okta').connection).toEqual({
        type: 'okta',
        orgUrl: 'https://okta.recorded.invalid',
        token: '[secret reference]',
        owner: 'it-ops@acme.com',
      });
    }
    // Okta's paging links name the renamed org.
    const links = readRecording(runDirs()[0]!, 'okta').exchanges.flatMap((x) => (x.responseHeaders?.['link'] ? [x.responseHeaders['link']] : []));
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l).toContain('<https://okta.recorded.invalid/api/v1/');
  });

  it('replays both runs with every emulator closed: the same calls get the same answers', async () => {
    // How test/recordings/leaver-okta-google-scim was made (see its README).
    if (process.env.LOCKSTEP_SAVE_RECORDINGS) cpSync(recordings(), process.env.LOCKSTEP_SAVE_RECORDINGS, { recursive: true });
    await Promise.all([okta.close(), google.close(), scim.close()]);
    const replayed = await run(['replay', 'recordings']);
    expect(replayed.code, replayed.stdout + replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain('every call answered as recorded');
    expect(replayed.stdout).toMatch(/okta \(okta\): 4 of 4 calls answered as recorded/);
    const json = JSON.parse((await run(['replay', 'recordings', '--format', 'json'])).stdout) as {
      same: boolean;
      runs: { providers: { calls: unknown[]; unmatched: unknown[] }[] }[];
    };
    expect(json.same).toBe(true);
    expect(json.runs.flatMap((r) => r.providers.flatMap((p) => p.unmatched))).toEqual([]);
  });

  it('fails, naming the call, when an answer differs from the recording', async () => {
    const copy = join(cwd, 'changed');
    mkdirSync(copy);
    cpSync(join(recordings(), runDirs()[1]!), join(copy, 'run'), { recursive: true });
    const file = join(copy, 'run', 'okta.json');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as ProviderRecording;
    const suspend = rec.exchanges.find((x) => x.method === 'POST' && x.url.endsWith('/lifecycle/suspend'))!;
    Object.assign(suspend, {
      status: 403,
      responseBody: {
        errorCode: 'E0000006',
        errorSummary: 'You do not have permission to perform the requested action',
        errorLink: 'E0000006',
        errorId: 'x',
        errorCauses: [],
      },
    } satisfies Partial<RecordedExchange>);
    writeFileSync(file, JSON.stringify(rec));
    const replayed = await run(['replay', join('changed', 'run')]);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/okta: apply \S+ suspend answered differently/);
    expect(replayed.stdout).toContain('E0000006');
    expect(replayed.stdout).toMatch(/\d+ differences? from the recording/);
  });

  it('fails, naming the request, when the provider asks what the recording never answered', async () => {
    const copy = join(cwd, 'short');
    mkdirSync(copy);
    cpSync(join(recordings(), runDirs()[0]!), join(copy, 'run'), { recursive: true });
    const file = join(copy, 'run', 'app.json');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as ProviderRecording;
    rec.exchanges = rec.exchanges.filter((x) => !x.url.includes('/Groups'));
    writeFileSync(file, JSON.stringify(rec));
    const replayed = await run(['replay', 'short']);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/app: sent GET https:\/\/app\.recorded\.invalid\/scim\/v2\/Groups\S*, which the recording has no answer for/);
  });

  it('records and replays the sandbox: Entra (Graph and its sign-in) and Kubernetes RBAC too', async () => {
    // Twice on the same state: the second run starts from the delta links the first kept.
    const args = ['plan', '--sandbox', '--policies', join(ROOT, 'policies'), '--state-dir', 'sandbox-state', '--record', 'sandbox-recordings'];
    for (let i = 0; i < 2; i++) {
      const planned = await run(args);
      expect(planned.code, planned.stderr).toBe(3); // the demo organisation trips the guard
    }
    const dirs = readdirSync(join(cwd, 'sandbox-recordings')).sort();
    expect(dirs).toHaveLength(2);
    const read = (dir: string, file: string) => JSON.parse(readFileSync(join(cwd, 'sandbox-recordings', dir, file), 'utf8')) as ProviderRecording;
    const files = readdirSync(join(cwd, 'sandbox-recordings', dirs[1]!)).filter((f) => f !== 'run.json');
    expect([...new Set(files.map((f) => read(dirs[1]!, f).type))].sort()).toEqual(['entra', 'google', 'kubernetes', 'manual', 'okta', 'scim']);
    for (const d of dirs)
      for (const f of files) expect(readFileSync(join(cwd, 'sandbox-recordings', d, f), 'utf8'), `${d}/${f}`).not.toMatch(/127\.0\.0\.1|localhost|\[::1\]/);
    // The second run found the first run's delta links, which name the first run's emulator: renamed too.
    expect(Object.keys(read(dirs[1]!, 'entra.json').state)).toEqual(['delta.json']);
    expect(read(dirs[1]!, 'entra.json').state['delta.json']).toContain('.recorded.invalid/v1.0/users/delta');
    // The client-credentials grant went through Azure Identity's HTTP client, and its secret did not stay.
    const grant = read(dirs[0]!, 'entra.json').exchanges.find((x) => x.url.includes('/oauth2/v2.0/token'));
    expect(grant?.requestBody).toMatch(/grant_type=client_credentials/);
    expect(grant?.requestBody).toMatch(/client_secret=%5Bredacted%5D/);
    expect(grant?.responseBody).toMatchObject({ access_token: '[redacted]' });
    const replayed = await run(['replay', 'sandbox-recordings']);
    expect(replayed.code, replayed.stdout).toBe(0);
    expect(replayed.stdout.match(/prod-cluster \(kubernetes\): 1 of 1 call answered as recorded/g)).toHaveLength(2);
    expect(replayed.stdout.match(/entra \(entra\): 1 of 1 call answered as recorded/g)).toHaveLength(2);
    expect(replayed.stdout).toMatch(/vpn \(manual\): not replayed/);
  });

  it('refuses a folder that holds no recording, clearly', async () => {
    const r = await run(['replay', 'policies']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no recorded run here');
  });
});
