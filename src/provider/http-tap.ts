/**
 * A tap on a provider's HTTP traffic with its service. Each provider's transport (the
 * Okta SDK's request executor, Google's gaxios, the Graph client's last middleware and
 * Azure Identity's HTTP client, the Kubernetes client's HTTP library, the SCIM client's
 * fetch) hands every request to the tap with a way to send it, and uses whatever answer
 * the tap gives back. A recording tap sends it and keeps both sides (`--record`); a
 * replaying tap answers from a recording without sending anything (`lockstep replay`).
 * Without a tap the transports send directly, as they always have.
 */

export interface TapRequest {
  /** Upper case. */
  readonly method: string;
  /** Absolute. */
  readonly url: string;
  /** As sent, credentials included: a tap that keeps anything keeps only what http-keep.ts allows. */
  readonly headers: Readonly<Record<string, string>>;
  /** Text bodies only (JSON, forms): no provider sends anything else. */
  readonly body: string | undefined;
}

export interface TapResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** '' when there is none. */
  readonly body: string;
}

export interface HttpTap {
  /**
   * The answer to `request`: `send()`'s (which may throw, as the transport does when no
   * answer comes) or one the tap has from elsewhere. A failure the tap throws is handled
   * by the transport as its own.
   */
  exchange(request: TapRequest, send: () => Promise<TapResponse>): Promise<TapResponse>;
}

/** Status codes whose answers have no body (a WHATWG Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

export function headerRecord(headers: Headers | Readonly<Record<string, unknown>> | readonly (readonly [string, string])[] | undefined): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries([...headers].map(([k, v]) => [k.toLowerCase(), v]));
  const entries = Array.isArray(headers) ? (headers as readonly (readonly [string, unknown])[]) : Object.entries(headers as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** A WHATWG Response as a tap answer (its body read whole). */
export async function tapResponseOf(res: Response): Promise<TapResponse> {
  return { status: res.status, headers: headerRecord(res.headers), body: await res.text() };
}

/** A tap answer as a WHATWG Response. */
export function responseOf(answer: TapResponse): Response {
  return new Response(NO_BODY.has(answer.status) || answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
}

/** A fetch whose every request goes through the tap: for clients built on fetch (SCIM, gaxios). */
export function tappedFetch(tap: HttpTap, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = init?.body === undefined || init.body === null ? undefined : await request.text();
    const answer = await tap.exchange(
      { method: request.method.toUpperCase(), url: request.url, headers: headerRecord(request.headers), body: body === '' ? undefined : body },
      async () => tapResponseOf(await base(input, init)),
    );
    return responseOf(answer);
  };
}
