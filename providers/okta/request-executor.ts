import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import { headerRecord, type HttpTap, responseOf, type TapResponse } from '../../src/provider/http-tap.js';
import { oktaRateBucket } from './rate-buckets.js';
import { type RatePacer, rateLimitInfo, type RateLimitInfo } from './rate-pacer.js';

type SdkRequest = Parameters<RequestExecutor['fetch']>[0];
type SdkResponse = Awaited<ReturnType<RequestExecutor['fetch']>>;

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/**
 * A refused access token request. The SDK (8.1) hands the token endpoint's answer to
 * its error filter through a wrong reference, so a refusal would be taken for a token
 * and surface later as a puzzling 401 on the API call; the executor raises it here,
 * shaped like the SDK's OktaApiError, with OAuth's `error` and `error_description`.
 */
export class TokenRequestError extends Error {
  override readonly name = 'OktaApiError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly errorCode: string,
    readonly errorSummary: string,
    readonly headers: SdkResponse['headers'],
  ) {
    super(`Okta HTTP ${status} ${errorCode} ${errorSummary}`);
  }

  static async from(url: URL, response: SdkResponse): Promise<TokenRequestError> {
    let body: { error?: unknown; error_description?: unknown } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      // not JSON: the status alone says what happened
    }
    const code = typeof body.error === 'string' ? body.error : 'token_request_failed';
    const summary = typeof body.error_description === 'string' ? body.error_description : response.statusText;
    return new TokenRequestError(url.origin + url.pathname, response.status, code, summary, response.headers);
  }
}

/**
 * The SDK's transport for Lockstep: every request (API calls and the OAuth token
 * request alike) waits for its rate-limit bucket, carries a time limit, and reports
 * the X-Rate-Limit-* answer back to the pacer. It does not retry: a 429 or 5xx goes
 * back to the caller as a transient failure with its Retry-After, and the apply
 * engine's retry policy (src/apply/retry.ts) decides; two retry layers would hold a
 * change for the sum of both without showing why. Pacing keeps our own traffic under
 * the limit, so a 429 means someone else spent the budget. With a tap (a recording or
 * a replay) each request goes through it.
 */
export class PacedRequestExecutor extends RequestExecutor {
  constructor(
    readonly pacer: RatePacer,
    private readonly timeoutMs: number,
    private readonly tap?: HttpTap,
  ) {
    super();
  }

  override async fetch(request: SdkRequest): Promise<SdkResponse> {
    const url = new URL(String(request.url));
    const bucket = oktaRateBucket(String(request.method ?? 'GET'), url.pathname);
    await this.pacer.acquire(bucket);
    let info: RateLimitInfo | null | 'failed' = 'failed';
    try {
      // node-fetch's own limit: it covers waiting for the answer and reading its body.
      (request as { timeout?: number }).timeout = this.timeoutMs;
      // A proxy from HTTPS_PROXY is for the internet, not for a local emulator.
      if (isLoopbackHost(url.hostname)) delete (request as { agent?: unknown }).agent;
      const response = this.tap ? await this.throughTap(request, url) : await super.fetch(request);
      info = rateLimitInfo((name) => response.headers.get(name));
      if (url.pathname.endsWith('/oauth2/v1/token') && !response.ok) throw await TokenRequestError.from(url, response);
      return response;
    } finally {
      this.pacer.release(bucket, info);
    }
  }

  private async throughTap(request: SdkRequest, url: URL): Promise<SdkResponse> {
    const body = typeof request.body === 'string' ? request.body : undefined;
    const send = async (): Promise<TapResponse> => {
      const res = await super.fetch(request);
      return { status: res.status, headers: headerRecord([...res.headers] as [string, string][]), body: await res.text() };
    };
    const answer = await this.tap!.exchange(
      { method: String(request.method ?? 'GET').toUpperCase(), url: url.href, headers: headerRecord(request.headers as Record<string, unknown>), body },
      send,
    );
    // The SDK reads status, ok, headers, text() and json(); buffer() is node-fetch's own.
    const res = responseOf(answer);
    return Object.assign(res, { buffer: async () => Buffer.from(answer.body) }) as unknown as SdkResponse;
  }
}
