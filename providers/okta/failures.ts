import { ProviderError } from '../../src/errors.js';
import { redactor } from '../../src/policy/secrets.js';
import { isTransientStatus, parseRetryAfter } from '../../src/provider/http-status.js';

/**
 * SDK failures → ProviderError. The SDK throws OktaApiError (JSON answers, with Okta's
 * errorCode and errorSummary), HttpError (other answers), ApiException (answers its
 * generated code rejects) and node-fetch's FetchError (no answer). 408, 429 and 5xx,
 * dropped connections and timeouts are transient; the wait comes from Retry-After, else
 * from X-Rate-Limit-Reset. Messages carry no credential: every known secret is
 * replaced, and request headers are never quoted.
 */
interface SdkFailure {
  name?: string;
  message?: string;
  status?: number;
  code?: number | string;
  type?: string;
  url?: string;
  errorCode?: string | number;
  errorSummary?: string;
  errorCauses?: { errorSummary?: string }[];
  headers?: { get?(name: string): string | null } | Record<string, string>;
  body?: { errorCode?: string; errorSummary?: string };
}

function header(h: SdkFailure['headers'], name: string): string | null {
  if (!h) return null;
  if (typeof h.get === 'function') return h.get(name);
  const rec = h as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()] ?? null;
}

/** The wait a failed answer asks for: Retry-After, else X-Rate-Limit-Reset measured against the answer's Date. */
export function retryAfterOf(h: SdkFailure['headers'], now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(header(h, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(header(h, 'x-rate-limit-reset'));
  if (!reset) return undefined;
  const date = Date.parse(header(h, 'date') ?? '');
  return Math.max(0, reset * 1000 - (Number.isNaN(date) ? now : date));
}

export class FailureMapper {
  constructor(
    private readonly provider: string,
    private readonly secrets: () => string[],
    private readonly timeoutMs: number,
  ) {}

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets()) if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
    return redactor.redact(out);
  }

  /** `what` names the request, e.g. `POST /api/v1/users/00u1/lifecycle/suspend`. */
  error(what: string, e: unknown): ProviderError {
    if (e instanceof ProviderError) return e;
    const f = (e ?? {}) as SdkFailure;
    const status = typeof f.status === 'number' ? f.status : typeof f.code === 'number' ? f.code : undefined;
    if (status !== undefined) {
      const code = f.errorCode ?? f.body?.errorCode;
      const summary = f.errorSummary || f.body?.errorSummary || '';
      const causes = (f.errorCauses ?? []).map((c) => c.errorSummary).filter(Boolean);
      const detail = [code ? `${code}` : '', summary, ...causes].filter(Boolean).join(': ') || 'no detail';
      const hint = status === 401 || status === 403 ? ' (check the credentials and scopes configured for this provider)' : '';
      // The SDK fetches an access token inside any call; say so when that is what failed.
      const at = typeof f.url === 'string' && f.url.includes('/oauth2/v1/token') ? ' from POST /oauth2/v1/token (access token request)' : '';
      return new ProviderError(this.provider, this.scrub(`${what}: HTTP ${status}${at}: ${detail}${hint}`), {
        status,
        transient: isTransientStatus(status),
        retryAfterMs: retryAfterOf(f.headers),
      });
    }
    if (f.name === 'FetchError' || f.name === 'AbortError') {
      if (f.type === 'request-timeout' || f.type === 'body-timeout' || f.name === 'AbortError') {
        return new ProviderError(this.provider, `${what}: no answer within ${this.timeoutMs} ms`, { transient: true });
      }
      return new ProviderError(this.provider, this.scrub(`${what}: connection failed (${f.code ?? ''} ${f.message ?? ''})`.replace(/\s+\)/, ')')), { transient: true });
    }
    return new ProviderError(this.provider, this.scrub(`${what}: ${f.message ?? String(e)}`));
  }

  /** The HTTP status of an SDK failure, if it carried one. */
  static status(e: unknown): number | undefined {
    const f = (e ?? {}) as SdkFailure;
    return typeof f.status === 'number' ? f.status : typeof f.code === 'number' ? f.code : undefined;
  }
}
