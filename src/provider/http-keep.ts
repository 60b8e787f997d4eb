/**
 * What of an HTTP exchange with an identity service may be kept outside the process: by
 * an emulator's exchange log (src/emulator/exchanges.ts) and by a recording of a run
 * against a real tenant (src/record/). Only the headers named here are kept, so
 * credentials carried in headers (Authorization, cookies, API keys) never are; and the
 * OAuth fields that carry a secret are replaced wherever a body has them.
 */

/** Request headers an API definition speaks of and a replay must match. */
export const KEPT_REQUEST_HEADERS: readonly string[] = ['content-type', 'if-match', 'if-none-match', 'prefer', 'consistencylevel'];

/**
 * Answer headers that matter to a client: Content-Type, paging links, ETags, Retry-After,
 * rate limits, and the challenges of a refused request (WWW-Authenticate; DPoP-Nonce,
 * RFC 9449 §8, which a DPoP client must echo in its next proof: a nonce, not a credential).
 */
export const KEPT_RESPONSE_HEADER = /^(content-type|link|location|etag|retry-after|www-authenticate|dpop-nonce|x-rate-limit-.*|ratelimit-.*|x-ms-.*)$/;

/** OAuth 2.0 fields that carry a credential (RFC 6749 §2.3.1, §4.3, §5.1, §6; RFC 7523 §2.1–2.2; OpenID Connect id_token). */
const SECRET_FIELD = /^(client_secret|client_assertion|assertion|password|access_token|refresh_token|id_token)$/;
export const REDACTED = '[redacted]';

/** The headers `keep` accepts, by lower-case name, each as one string. */
export function keptHeaders(headers: Readonly<Record<string, unknown>>, keep: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!keep(key) || value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export const keptRequestHeader = (name: string): boolean => KEPT_REQUEST_HEADERS.includes(name);
export const keptResponseHeader = (name: string): boolean => KEPT_RESPONSE_HEADER.test(name);

/**
 * A body as it may be kept: parsed when JSON, with every secret field's string value
 * replaced; a form body (token requests) with its secret fields replaced; other text as
 * it is; undefined when empty.
 */
export function keptBody(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return redacted(JSON.parse(text) as unknown);
  } catch {
    if (!isFormBody(text)) return text;
    const form = new URLSearchParams(text);
    for (const k of [...form.keys()]) if (SECRET_FIELD.test(k)) form.set(k, REDACTED);
    return form.toString();
  }
}

/** `a=1&b=2`: an application/x-www-form-urlencoded body (token requests). */
export function isFormBody(text: string): boolean {
  return /^[\w.%-]+=[^&]*(&[\w.%-]+=[^&]*)*$/.test(text);
}

function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) && typeof v === 'string' ? REDACTED : redacted(v)]));
}
