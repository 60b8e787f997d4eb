import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffJson } from 'diff';
import { clientCertificate } from '../emulator/tls.js';
import { canonicalJson, sortKeysDeep } from '../journal/canonical-json.js';
import type { Logger } from '../logger.js';
import { isFormBody, keptBody } from '../provider/http-keep.js';
import type { HttpTap, TapRequest } from '../provider/http-tap.js';
import type { Provider, ProviderState } from '../provider/provider.js';
import { closeProviders, createProviders } from '../run/connect.js';
import { errorAnswer, type Answer, type ProviderRecording, type RecordedCall, type RecordedExchange, type RecordedRun } from './recording.js';

/**
 * Replays a recorded run (src/record/recording.ts): each provider is created as the run
 * created it, but with a tap that answers every HTTP request from the recording and sends
 * nothing; then the calls the run made (observe, observeAccounts, apply) are made again,
 * in the order they finished, and each answer is compared with the recorded one. The
 * provider's own code (the SDK, paging, mapping, error handling) runs exactly as it did
 * against the real service; only the network is replaced.
 *
 * Credentials are stand-ins made for the replay (the recording holds none): a token file,
 * a fresh RSA key for a Google service account or an Okta service app, a fresh client
 * certificate for Entra, a kubeconfig naming the recorded API server.
 */

export interface CallReplay {
  /** `observe`, `observeAccounts 3 accounts`, `apply <change id> <action>`. */
  what: string;
  same: boolean;
  /** Recorded against replayed, as a few lines of a JSON diff, when they differ. */
  difference?: string;
}

export interface ProviderReplay {
  provider: string;
  type: string;
  /** Why the provider was not replayed (a manual app has no HTTP to replay). */
  skipped?: string;
  calls: CallReplay[];
  /** Requests the provider sent that the recording has no answer for. */
  unmatched: string[];
  /** Recorded exchanges nobody asked for this time. */
  unused: number;
}

export interface RunReplay {
  dir: string;
  command: string;
  recordedAt: string;
  providers: ProviderReplay[];
}

export async function replayRun(rec: RecordedRun, log: Logger): Promise<RunReplay> {
  const providers: ProviderReplay[] = [];
  for (const p of rec.providers) providers.push(await replayProvider(p, log));
  return { dir: rec.dir, command: rec.run.command, recordedAt: rec.run.recordedAt, providers };
}

/** One line per difference; none when the replay answered as the run did. */
export function replayProblems(replay: RunReplay): string[] {
  const out: string[] = [];
  for (const p of replay.providers) {
    for (const c of p.calls) if (!c.same) out.push(`${p.provider}: ${c.what} answered differently:\n${c.difference ?? ''}`);
    for (const u of p.unmatched) out.push(`${p.provider}: sent ${u}, which the recording has no answer for`);
  }
  return out;
}

async function replayProvider(rec: ProviderRecording, log: Logger): Promise<ProviderReplay> {
  const out: ProviderReplay = { provider: rec.provider, type: rec.type, calls: [], unmatched: [], unused: 0 };
  if (rec.type === 'manual') return { ...out, skipped: 'a manual app is read from its inventory file, not over HTTP' };
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-replay-'));
  const tap = new ReplayTap(rec.exchanges);
  let providers: Map<string, Provider> | undefined;
  try {
    const connection = await replayConnection(rec, dir);
    const state = memoryState(rec.state);
    providers = createProviders(
      { [rec.provider]: connection },
      {
        policyDir: dir,
        store: { forProvider: () => state },
        log,
        env: {},
        managedGroups: new Map([[rec.provider, new Set(rec.managedGroups)]]),
        // Recordings made before runs said what they may do were all of runs that could write.
        access: rec.access ?? 'write',
        wire: { wire: () => ({ tap, state, wrap: (p) => p }) },
      },
    );
    const provider = providers.get(rec.provider)!;
    for (const call of rec.calls) out.calls.push(compare(call, await replayCall(provider, call)));
  } finally {
    if (providers) await closeProviders(providers);
    rmSync(dir, { recursive: true, force: true });
  }
  out.unmatched = tap.unmatched;
  out.unused = tap.unused();
  return out;
}

async function replayCall(provider: Provider, call: RecordedCall): Promise<Answer<unknown>> {
  try {
    if (call.call === 'observe') return { value: await provider.observe(call.options) };
    if (call.call === 'observeAccounts') {
      if (!provider.observeAccounts) return { error: { name: 'Error', message: 'the provider no longer reads single accounts (observeAccounts)' } };
      return { value: await provider.observeAccounts(call.ids) };
    }
    return { value: await provider.apply(call.change) };
  } catch (e) {
    return errorAnswer(e);
  }
}

function describe(call: RecordedCall): string {
  if (call.call === 'observe') return `observe${call.options.resync ? ' (resync)' : ''}`;
  if (call.call === 'observeAccounts') return `observeAccounts of ${call.ids.length} account${call.ids.length === 1 ? '' : 's'}`;
  return `apply ${call.change.id} ${call.change.action}`;
}

/** What may differ between two runs of the same call: when it observed. */
function comparable(answer: Answer<unknown>): unknown {
  if (!('value' in answer)) return answer;
  const value = answer.value as Record<string, unknown> | null;
  if (value && typeof value === 'object' && 'observedAt' in value) {
    const { observedAt: _at, ...rest } = value;
    return { value: rest };
  }
  return answer;
}

function compare(call: RecordedCall, replayed: Answer<unknown>): CallReplay {
  const a = sortKeysDeep(JSON.parse(JSON.stringify(comparable(call.result))) as unknown);
  const b = sortKeysDeep(JSON.parse(JSON.stringify(comparable(replayed))) as unknown);
  if (canonicalJson(a) === canonicalJson(b)) return { what: describe(call), same: true };
  const lines: string[] = [];
  for (const part of diffJson(a as object, b as object)) {
    if (!part.added && !part.removed) continue;
    for (const line of part.value.split('\n').filter(Boolean)) lines.push(`${part.added ? '+' : '-'} ${line.trim()}`);
  }
  const shown = lines.slice(0, 20);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more lines`);
  return { what: describe(call), same: false, difference: `  (- recorded, + replayed)\n${shown.map((l) => `  ${l}`).join('\n')}` };
}

/**
 * Parameters a client library varies from one run to the next without changing what is
 * asked: MSAL's correlation id and telemetry (`client-request-id`, `x-client-*`,
 * `x-ms-lib-capability`, `x-app-*`). A request is matched without them.
 */
const VOLATILE_PARAMETER = /^(client-request-id|x-client-.*|x-app-.*|x-ms-lib-capability)$/i;

function withoutVolatile(params: URLSearchParams): URLSearchParams {
  for (const k of [...params.keys()]) if (VOLATILE_PARAMETER.test(k)) params.delete(k);
  params.sort();
  return params;
}

/** A request's identity in a recording: method, URL with its query in order of name, and its body as kept. */
function keyOf(method: string, url: string, body: unknown): string {
  let normal = url;
  try {
    const u = new URL(url);
    const query = withoutVolatile(u.searchParams).toString();
    normal = `${u.origin}${u.pathname}${query ? `?${query}` : ''}`;
  } catch {
    // not a URL: compared as it is
  }
  const form = typeof body === 'string' && isFormBody(body) ? withoutVolatile(new URLSearchParams(body)).toString() : undefined;
  return `${method.toUpperCase()} ${normal} ${body === undefined ? '' : (form ?? canonicalJson(body))}`;
}

/**
 * Answers each request with the first recorded exchange of the same method, URL and
 * body not yet used: a request made twice (a re-read after a change) gets the answers
 * in the order they were recorded.
 */
class ReplayTap implements HttpTap {
  private readonly waiting = new Map<string, RecordedExchange[]>();
  readonly unmatched: string[] = [];

  constructor(exchanges: readonly RecordedExchange[]) {
    for (const x of exchanges) {
      const key = keyOf(x.method, x.url, x.requestBody);
      let list = this.waiting.get(key);
      if (!list) this.waiting.set(key, (list = []));
      list.push(x);
    }
  }

  unused(): number {
    return [...this.waiting.values()].reduce((n, l) => n + l.length, 0);
  }

  async exchange(request: TapRequest) {
    const x = this.waiting.get(keyOf(request.method, request.url, keptBody(request.body)))?.shift();
    if (!x) {
      const shown = `${request.method} ${request.url}${request.body ? ` with body ${request.body.length > 200 ? `${request.body.slice(0, 200)}…` : request.body}` : ''}`;
      this.unmatched.push(shown);
      throw Object.assign(new Error(`replay: the recording has no answer for ${request.method} ${request.url}`), { name: 'ConnectionError' });
    }
    if (x.error || x.status === undefined) {
      throw Object.assign(new Error(x.error?.message ?? 'no answer recorded'), {
        name: x.error?.name ?? 'ConnectionError',
        ...(x.error?.code ? { code: x.error.code } : {}),
      });
    }
    const body = x.responseBody === undefined ? '' : typeof x.responseBody === 'string' ? x.responseBody : JSON.stringify(x.responseBody);
    return { status: x.status, headers: x.responseHeaders ?? {}, body };
  }
}

function memoryState(initial: Readonly<Record<string, string>>): ProviderState {
  const docs = new Map(Object.entries(initial));
  return { documents: { get: async (k) => docs.get(k), put: async (k, v) => void docs.set(k, v) } };
}

const SECRET = '[secret reference]';
const FILE = '[file]';

/** The recorded connection with stand-in credentials, as a Config connection the provider module accepts. */
async function replayConnection(rec: ProviderRecording, dir: string): Promise<Record<string, unknown>> {
  const c: Record<string, unknown> = { ...rec.connection };
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return `\${file:${path}}`;
  };
  for (const [k, v] of Object.entries(c)) if (v === FILE) delete c[k];
  const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  switch (rec.type) {
    case 'google': {
      // The service account's token endpoint as recorded: Google's own, or the one its key file named.
      const token = rec.exchanges.find(
        (x) => typeof x.requestBody === 'string' && x.requestBody.includes('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer'),
      );
      const tokenUri = token ? token.url.split('?')[0] : undefined;
      const key = {
        type: 'service_account',
        client_email: 'replay@replay.iam.gserviceaccount.com',
        client_id: '100000000000000000000',
        private_key: rsaPem(),
        ...(tokenUri ? { token_uri: tokenUri } : {}),
      };
      c['credentials'] = file('google.json', JSON.stringify(key));
      break;
    }
    case 'entra':
      if (c['clientSecret'] === SECRET) c['clientSecret'] = file('entra.secret', 'replay-client-secret');
      if (c['certificate'] === SECRET) c['certificate'] = file('entra.pem', (await clientCertificate('lockstep-replay')).pem);
      break;
    case 'okta':
      if (c['privateKey'] === SECRET) c['privateKey'] = file('okta.pem', rsaPem());
      break;
    case 'kubernetes': {
      const server = rec.origins[0] ?? 'https://kubernetes.recorded.invalid';
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'replay', cluster: { server } }],
        users: [{ name: 'replay', user: { token: 'replay-token' } }],
        contexts: [{ name: 'replay', context: { cluster: 'replay', user: 'replay' } }],
        'current-context': 'replay',
      };
      writeFileSync(join(dir, 'kubeconfig'), JSON.stringify(kubeconfig), { mode: 0o600 });
      delete c['inCluster'];
      c['kubeconfig'] = join(dir, 'kubeconfig');
      c['context'] = 'replay';
      break;
    }
    default:
      break;
  }
  // Any other secret (an API token, a SCIM password): a stand-in of the same kind.
  for (const [k, v] of Object.entries(c)) if (v === SECRET) c[k] = file(`${k}.secret`, `replay-${k}`);
  return c;
}
