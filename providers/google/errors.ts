import { ProviderError, UserError } from '../../src/errors.js';
import { parseRetryAfter } from '../../src/provider/http-status.js';

/**
 * Google API failures as ProviderErrors. Transient: 408, 429, 5xx, 403 whose reason is a
 * rate or quota limit (Google answers per-user rate limits with 403), dropped
 * connections and timeouts, with the server's Retry-After when it sends one. Anything
 * else is permanent, carrying Google's own message and reason. Messages are built from
 * the status, the reason and Google's message only: never from the request, whose
 * headers hold the access token.
 */

const RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded']);

interface GaxiosLike {
  name?: string;
  /** Present on every GaxiosError: the request made (never read: its headers hold the token). */
  config?: unknown;
  code?: string | number;
  message?: string;
  cause?: { name?: string; code?: string; cause?: { code?: string } };
  response?: { status: number; headers?: { get(name: string): string | null }; data?: unknown; config?: { url?: unknown } };
}

/** Google's reason and message from an API error body, or an OAuth token endpoint error. */
export function googleReason(data: unknown): { reason: string | undefined; message: string | undefined } {
  const body = (data ?? {}) as { error?: unknown; error_description?: unknown };
  if (typeof body.error === 'string') {
    return { reason: body.error, message: typeof body.error_description === 'string' ? body.error_description : undefined };
  }
  const err = (body.error ?? {}) as { message?: unknown; errors?: { reason?: unknown }[] };
  const reason = err.errors?.find((x) => typeof x?.reason === 'string')?.reason as string | undefined;
  return { reason, message: typeof err.message === 'string' ? err.message : undefined };
}

export function isTransient(status: number, reason: string | undefined): boolean {
  return status === 408 || status === 429 || status >= 500 || (status === 403 && reason !== undefined && RATE_REASONS.has(reason));
}

/** The HTTP status of a failed SDK call, or undefined when no answer came. */
export function statusOf(e: unknown): number | undefined {
  return (e as GaxiosLike | undefined)?.response?.status;
}

/** The service account's client and the scopes it asks for: what an administrator delegates domain-wide. */
export interface Delegation {
  /** The key file's client_id (not a secret: the Admin console lists it). */
  clientId: string | undefined;
  scopes: readonly string[];
}

/**
 * The token endpoint's unauthorized_client: the service account's client is not
 * authorised domain-wide for the scopes asked for (or not at all). Nothing a retry can
 * mend, so the message says what the administrator has to do, naming the client and
 * every scope (https://developers.google.com/identity/protocols/oauth2/service-account#delegatingauthority,
 * https://support.google.com/a/answer/162106).
 */
function delegationRefused(what: string, status: number, delegation: Delegation): string {
  const client = delegation.clientId ? `client ID ${delegation.clientId}` : "the service account's client ID (client_id in its key file)";
  return (
    `${what}: token endpoint: HTTP ${status} unauthorized_client: the service account is not authorised for domain-wide delegation of the scopes it needs. ` +
    `In the Google Admin console, under Security > Access and data control > API controls > Domain-wide delegation, authorise ${client} for these scopes: ${delegation.scopes.join(',')}`
  );
}

export function toProviderError(provider: string, what: string, e: unknown, scrub: (text: string) => string, timeoutMs: number, delegation?: Delegation): Error {
  if (e instanceof ProviderError || e instanceof UserError) return e;
  const err = (e ?? {}) as GaxiosLike;
  const res = err.response;
  if (res && typeof res.status === 'number') {
    const { reason, message } = googleReason(res.data);
    const token = String(res.config?.url ?? '').endsWith('/token');
    if (token && reason === 'unauthorized_client' && delegation) {
      return new ProviderError(provider, scrub(delegationRefused(what, res.status, delegation)), { status: res.status, transient: false });
    }
    const where = token ? `${what}: token endpoint` : what;
    const hint =
      res.status === 401 || (token && res.status < 500)
        ? ' (check the service account key, its domain-wide delegation of the scopes, and the subject)'
        : res.status === 403 && !isTransient(403, reason)
          ? ' (check that the subject is an administrator with the rights this needs)'
          : '';
    const text = `${where}: HTTP ${res.status}${reason ? ` ${reason}` : ''}: ${message ?? 'no message'}${hint}`;
    return new ProviderError(provider, scrub(text), {
      status: res.status,
      transient: isTransient(res.status, reason),
      retryAfterMs: parseRetryAfter(res.headers?.get('retry-after') ?? null),
    });
  }
  const code = String(err.code ?? err.cause?.code ?? err.cause?.cause?.code ?? '');
  // Requests carry no signal but the per-request timeout's, so an abort is that timeout.
  const aborted = [code, err.name, err.cause?.name].some((n) => n === 'TimeoutError' || n === 'AbortError');
  if (aborted) return new ProviderError(provider, `${what}: no answer within ${timeoutMs} ms`, { transient: true });
  if (code || 'config' in err) {
    return new ProviderError(provider, scrub(`${what}: connection failed${code ? ` (${code})` : ''}`), { transient: true });
  }
  // Not an HTTP failure: a bug or a malformed key the library refused before sending.
  return new ProviderError(provider, scrub(`${what}: ${err.message ?? 'unknown error'}`));
}
