import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { ProviderError } from '../../src/errors.js';
import { isTransientStatus, parseRetryAfter } from '../../src/provider/http-status.js';
import { redactor } from '../../src/policy/secrets.js';

/**
 * Graph failures as ProviderErrors. Transient: 408, 429, 5xx (with Retry-After), dropped
 * connections, timeouts, and a sign-in service that is unreachable or failing. Anything
 * else is permanent, carrying Graph's `error.code` and `error.message`. Messages are built
 * from statuses and the service's own words only, then scrubbed of the client secret,
 * the certificate's private key and every access token this process obtained.
 */
export class Failures {
  private readonly tokens = new Set<string>();
  private readonly secrets: string[] = [];

  constructor(readonly provider: string) {}

  /**
   * Wraps the credential so sign-in failures are classified, concurrent requests for a
   * token share one sign-in, and its secrets and the tokens it obtains are scrubbed from
   * every message. `probe` explains a sign-in service that could not be read at all.
   */
  watch(credential: TokenCredential, secrets: readonly string[], probe: () => Promise<Probe>): TokenCredential {
    this.secrets.push(...secrets);
    let pending: Promise<AccessToken | null> | undefined;
    const acquire = async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> => {
      try {
        const token = await credential.getToken(scopes, options);
        if (token) this.tokens.add(token.token);
        return token;
      } catch (e) {
        throw await signInError(e, (t) => this.scrub(t), probe);
      }
    };
    return {
      getToken: (scopes, options) => {
        pending ??= acquire(scopes, options).finally(() => (pending = undefined));
        return pending;
      },
    };
  }

  /** An answer with a failing status (a whole response or one inside a batch). */
  fromAnswer(what: string, status: number, retryAfter: string | null | undefined, body: unknown): ProviderError {
    const err = ((body ?? {}) as { error?: { code?: unknown; message?: unknown } }).error;
    const code = typeof err?.code === 'string' ? err.code : undefined;
    const message = typeof err?.message === 'string' ? err.message : undefined;
    const hint =
      status === 401
        ? ' (check the app registration and its credential)'
        : status === 403
          ? ' (check that the app has the Graph application permissions this needs, with admin consent)'
          : '';
    return new ProviderError(this.provider, this.scrub(`${what}: HTTP ${status}${code ? ` ${code}` : ''}: ${message ?? 'no message'}${hint}`), {
      status,
      transient: isTransientStatus(status),
      retryAfterMs: parseRetryAfter(retryAfter ?? null),
      code,
    });
  }

  /** A failure thrown by the Graph client: no answer (timeout, reset), or the sign-in failed. */
  fromThrown(what: string, e: unknown): ProviderError {
    if (e instanceof ProviderError) return e;
    const err = (e ?? {}) as { code?: unknown; message?: unknown; statusCode?: unknown };
    const code = typeof err.code === 'string' ? err.code : '';
    const message = typeof err.message === 'string' ? err.message : 'unknown error';
    const transient = code === 'TimeoutError' || code === 'ConnectionError' || code === 'SignInUnavailable';
    return new ProviderError(this.provider, this.scrub(`${what}: ${message}`), { transient });
  }

  scrub(text: string): string {
    let out = text;
    for (const s of [...this.secrets, ...this.tokens]) if (s.length >= 8) out = out.split(s).join('[REDACTED]');
    return redactor.redact(out);
  }
}

/** Why the sign-in service's OpenID configuration could not be read, found by reading it directly. */
export interface Probe {
  transient: boolean;
  reason: string;
}

/** Sign-in failures, named so the Graph client (which keeps an error's name as its code) carries the class. */
async function signInError(e: unknown, scrub: (t: string) => string, probe: () => Promise<Probe>): Promise<Error> {
  const err = (e ?? {}) as { name?: unknown; message?: unknown; statusCode?: unknown };
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  let message = scrub(typeof err.message === 'string' ? err.message : 'unknown error');
  let transient = status !== undefined && isTransientStatus(status);
  if (status === undefined && /endpoints_resolution_error|ECONN|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|network/i.test(message)) {
    // @azure/identity hides why the service could not be reached: look for ourselves.
    const found = await probe().catch((x: unknown) => ({ transient: true, reason: `cannot read the sign-in service (${String(x)})` }));
    transient = found.transient;
    message = `${message}: ${scrub(found.reason)}`;
  }
  return Object.assign(new Error(`sign-in failed${status ? ` (HTTP ${status})` : ''}: ${message}`), { name: transient ? 'SignInUnavailable' : 'SignInFailed' });
}
