import { ApiException } from '@kubernetes/client-node';
import { ProviderError, UserError } from '../errors.js';
import { isTransientStatus, parseRetryAfter } from '../provider/http-status.js';

/**
 * API server failures as ProviderErrors. Transient: 408, 429, 5xx, dropped connections
 * and timeouts, with the server's Retry-After. Anything else is permanent and carries the
 * `metav1.Status` reason and message. Messages are built from the status and the server's
 * Status only: never from the request, whose headers hold the bearer token.
 */
export interface KubeStatus {
  code: number;
  reason: string | undefined;
  message: string | undefined;
  /** `metadata.continue` of a 410 Expired list answer. */
  continueHint: string | undefined;
}

/** The HTTP status and Status body of a failed client call; undefined when no answer came. */
export function kubeStatus(e: unknown): KubeStatus | undefined {
  if (!(e instanceof ApiException)) return undefined;
  const err = e as ApiException<unknown>;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      body = undefined;
    }
  }
  const s = (body ?? {}) as { reason?: unknown; message?: unknown; metadata?: { continue?: unknown } };
  return {
    code: err.code,
    reason: typeof s.reason === 'string' ? s.reason : undefined,
    message: typeof s.message === 'string' ? s.message : undefined,
    continueHint: typeof s.metadata?.continue === 'string' ? s.metadata.continue : undefined,
  };
}

const header = (e: unknown, name: string): string | undefined => (e instanceof ApiException ? (e.headers as Record<string, string>)[name] : undefined);

export function toProviderError(provider: string, what: string, e: unknown, scrub: (text: string) => string, timeoutMs: number): Error {
  if (e instanceof ProviderError || e instanceof UserError) return e;
  const status = kubeStatus(e);
  if (status) {
    const hint =
      status.code === 401
        ? ' (check the kubeconfig credentials: token, client certificate or exec plugin)'
        : status.code === 403
          ? ' (the identity needs get, list and patch on rolebindings and clusterrolebindings)'
          : '';
    const text = `${what}: HTTP ${status.code}${status.reason ? ` ${status.reason}` : ''}: ${status.message ?? 'no message'}${hint}`;
    return new ProviderError(provider, scrub(text), {
      status: status.code,
      transient: isTransientStatus(status.code),
      retryAfterMs: parseRetryAfter(header(e, 'retry-after') ?? null),
    });
  }
  const err = (e ?? {}) as { name?: string; code?: string; errno?: string; type?: string; message?: string };
  if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.type === 'aborted') {
    return new ProviderError(provider, `${what}: no answer within ${timeoutMs} ms`, { transient: true });
  }
  const code = err.code ?? err.errno;
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH/.test(code)) {
    // Not worth retrying: the server is not the one the kubeconfig's certificate authority vouches for.
    return new ProviderError(
      provider,
      scrub(`${what}: TLS verification of the API server failed (${code}); check the cluster's certificate-authority in the kubeconfig`),
    );
  }
  if (err.name === 'FetchError' || err.type === 'system' || code) {
    return new ProviderError(provider, scrub(`${what}: connection failed${code ? ` (${code})` : ''}`), { transient: true });
  }
  // Not an HTTP failure: a bug, or a credential plugin that failed before sending.
  return new ProviderError(provider, scrub(`${what}: ${err.message ?? 'unknown error'}`));
}
