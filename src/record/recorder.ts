import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keptBody, keptHeaders, keptRequestHeader, keptResponseHeader } from '../provider/http-keep.js';
import type { HttpTap, TapRequest, TapResponse } from '../provider/http-tap.js';
import type { Provider, ProviderAccess, ProviderState } from '../provider/provider.js';
import { redactor } from '../policy/secrets.js';
import type { ProviderWiring } from '../run/connect.js';
import { errorAnswer, RECORDING_FORMAT, type Answer, type ProviderRecording, type RecordedCall, type RecordedExchange, type RunRecord } from './recording.js';

/**
 * The vendors' own public API and sign-in hosts: the same for every customer, so kept as
 * they are. Every other origin a provider reaches (an Okta org, a SCIM app, a cluster's
 * API server) names the tenant and is renamed.
 */
const PUBLIC_HOST =
  /^https:\/\/(([a-z0-9-]+\.)*googleapis\.com|graph\.microsoft\.(com|us)|microsoftgraph\.chinacloudapi\.cn|login\.microsoftonline\.(com|us)|login\.chinacloudapi\.cn|login\.partner\.microsoftonline\.cn)$/;

/** Connection settings naming a local file: the path says nothing a replay needs. */
const FILE_SETTING = new Set(['caFile', 'kubeconfig', 'inventory']);

interface RawExchange {
  request: TapRequest;
  response?: TapResponse;
  error?: { name: string; message: string; code?: string };
}

interface Live {
  name: string;
  connection: Readonly<Record<string, unknown>>;
  managedGroups: string[];
  access: 'read' | 'write';
  state: Record<string, string>;
  calls: RecordedCall[];
  exchanges: RawExchange[];
}

/**
 * Records a run (`--record DIR`): wired into every provider the run creates, it keeps each
 * HTTP exchange the provider's transport has (through the provider's tap) and what each
 * provider call answered, and `write()` saves them sanitised to a new run folder:
 *
 * - request and answer headers: only those http-keep.ts names (never Authorization,
 *   cookies or API keys); OAuth secret fields in bodies replaced;
 * - every secret the run resolved (tokens, keys, client secrets) replaced wherever it
 *   appears, by the same redactor every message goes through;
 * - the tenant's origins renamed `https://<provider>.recorded.invalid` everywhere (URLs,
 *   paging links, bodies, the connection); the vendors' public hosts kept;
 * - the connection's secret references and file paths replaced.
 *
 * Names, e-mail addresses and group names stay: matching and planning depend on them
 * (docs/recording.md says what to review before sharing a recording).
 */
export class Recorder implements ProviderWiring {
  private readonly live = new Map<string, Live>();

  constructor(
    private readonly root: string,
    private readonly command: string,
    private readonly lockstep: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  wire(name: string, connection: Readonly<Record<string, unknown>>, parts: { state: ProviderState; managedGroups: ReadonlySet<string>; access: ProviderAccess }) {
    const live: Live = { name, connection, managedGroups: [...parts.managedGroups].sort(), access: parts.access, state: {}, calls: [], exchanges: [] };
    this.live.set(name, live);
    const tap: HttpTap = {
      async exchange(request, send) {
        try {
          const response = await send();
          live.exchanges.push({ request, response });
          return response;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          live.exchanges.push({ request, error: { name: (e as Error).name, message: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) } });
          throw e;
        }
      },
    };
    const state: ProviderState = {
      documents: {
        async get(key) {
          const value = await parts.state.documents.get(key);
          if (value !== undefined && !(key in live.state)) live.state[key] = value;
          return value;
        },
        put: (key, value) => parts.state.documents.put(key, value),
      },
    };
    return { tap, state, wrap: (provider: Provider) => recordingProvider(provider, live.calls) };
  }

  /** Writes the run folder under DIR and returns its path. Nothing is written for a run that created no provider. */
  write(): string | null {
    if (this.live.size === 0) return null;
    const recordedAt = this.clock()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    const base = join(this.root, `${recordedAt.replace(/:/g, '-')}-${this.command}`);
    let dir = base;
    for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = [...this.live.keys()].sort();
    for (const name of names) {
      const text = sanitisedRecording(this.live.get(name)!);
      writeFileSync(join(dir, `${name}.json`), text, { mode: 0o600 });
    }
    const run: RunRecord = { format: RECORDING_FORMAT, lockstep: this.lockstep, command: this.command, recordedAt, providers: names };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n', { mode: 0o600 });
    return dir;
  }
}

/** The provider with each observe, observeAccounts and apply call's answer kept, in the order they finished. */
function recordingProvider(provider: Provider, calls: RecordedCall[]): Provider {
  const wrapped: Provider = Object.create(provider) as Provider;
  wrapped.observe = async (options) => {
    const result = await answer(() => provider.observe(options));
    calls.push({ call: 'observe', options: { ...(options?.resync ? { resync: true } : {}) }, result });
    return unwrap(result);
  };
  if (provider.observeAccounts) {
    const observeAccounts = provider.observeAccounts.bind(provider);
    wrapped.observeAccounts = async (ids) => {
      const result = await answer(() => observeAccounts(ids));
      calls.push({ call: 'observeAccounts', ids: [...ids], result });
      return unwrap(result);
    };
  }
  wrapped.apply = async (change) => {
    const result = await answer(() => provider.apply(change));
    calls.push({ call: 'apply', change, result });
    return unwrap(result);
  };
  wrapped.close = () => provider.close();
  return wrapped;
}

/** Errors are kept as thrown, so that unwrap can throw the very same one. */
const THROWN = new WeakMap<object, unknown>();

async function answer<T>(call: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { value: await call() };
  } catch (e) {
    const kept = errorAnswer(e);
    THROWN.set(kept, e);
    return kept;
  }
}

function unwrap<T>(a: Answer<T>): T {
  if ('value' in a) return a.value;
  throw (THROWN.get(a) as Error | undefined) ?? new Error(a.error.message);
}

/** An http(s) origin as it appears in text: scheme, host and port. */
const ORIGIN_IN_TEXT = /https?:\/\/[A-Za-z0-9.-]+(?::\d+)?|https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d+)?/g;

/**
 * Origin → its name in the recording: the vendors' public hosts kept, every other origin
 * renamed, those the provider reached first (so its own is `https://<provider>.recorded.invalid`),
 * then any other named anywhere in what was kept (a delta link of an earlier connection,
 * a link in a body), so that no tenant or local host stays and replaying stays consistent.
 */
function originNames(live: Live): Map<string, string> {
  const names = new Map<string, string>();
  const slug =
    live.name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'provider';
  let renamed = 0;
  const add = (url: string) => {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      return;
    }
    if (origin === 'null' || names.has(origin)) return;
    if (PUBLIC_HOST.test(origin)) names.set(origin, origin);
    else names.set(origin, `https://${slug}${renamed++ ? `-${renamed}` : ''}.recorded.invalid`);
  };
  for (const x of live.exchanges) add(x.request.url);
  for (const v of Object.values(live.connection)) if (typeof v === 'string' && /^https?:\/\//.test(v)) add(v);
  const texts = [
    ...live.exchanges.flatMap((x) => [x.request.body ?? '', x.response?.body ?? '', ...Object.values(x.response?.headers ?? {}), x.error?.message ?? '']),
    ...Object.values(live.state),
    JSON.stringify(live.calls),
  ];
  for (const text of texts) for (const m of text.matchAll(ORIGIN_IN_TEXT)) add(m[0]);
  return names;
}

function sanitisedRecording(live: Live): string {
  const names = originNames(live);
  const exchanges: RecordedExchange[] = live.exchanges.map(({ request, response, error }) => ({
    method: request.method,
    url: request.url,
    requestHeaders: keptHeaders(request.headers, keptRequestHeader),
    requestBody: keptBody(request.body),
    ...(response
      ? { status: response.status, responseHeaders: keptHeaders(response.headers, keptResponseHeader), responseBody: keptBody(response.body) }
      : { error: error! }),
  }));
  const connection = Object.fromEntries(
    Object.entries(live.connection).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('${') ? '[secret reference]' : FILE_SETTING.has(k) ? '[file]' : v]),
  );
  const recording: ProviderRecording = {
    format: RECORDING_FORMAT,
    provider: live.name,
    type: String(live.connection['type']),
    connection,
    managedGroups: live.managedGroups,
    access: live.access,
    state: live.state,
    origins: [...new Set(names.values())],
    calls: live.calls,
    exchanges,
  };
  const renames = [...names].filter(([origin, name]) => origin !== name).map(([origin, name]) => [new RegExp(`${escapeRegExp(origin)}(?![\\w.-])`, 'g'), name] as const);
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return redactor.redact(renames.reduce((t, [re, name]) => t.replace(re, name), value));
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)]));
  };
  return JSON.stringify(clean(recording), null, 1) + '\n';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
