import { admin, type admin_datatransfer_v1, type admin_directory_v1 } from '@googleapis/admin';
import { redactor } from '../../src/policy/secrets.js';
import type { JwtClient } from './auth.js';
import { statusOf, toProviderError, type Delegation } from './errors.js';

export interface GoogleApiOptions {
  /** The provider's name in Config, carried by every error. */
  provider: string;
  jwt: JwtClient;
  /** API root (https://admin.googleapis.com/ unless pointed at an emulator). */
  rootUrl: string | undefined;
  timeoutMs: number;
  /** Secret values to keep out of every message (the private key). */
  secrets: readonly string[];
  /** What a refused domain-wide delegation names for the administrator to authorise. */
  delegation: Delegation;
}

/**
 * Google's Directory and Data Transfer clients (@googleapis/admin) behind one call
 * helper that turns failures into ProviderErrors and hands chosen statuses back.
 */
export class GoogleApi {
  readonly directory: admin_directory_v1.Admin;
  readonly transfer: admin_datatransfer_v1.Admin;

  constructor(private readonly options: GoogleApiOptions) {
    const common = { auth: options.jwt, retry: false, timeout: options.timeoutMs, ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}) };
    this.directory = admin({ version: 'directory_v1', ...common });
    this.transfer = admin({ version: 'datatransfer_v1', ...common });
  }

  get provider(): string {
    return this.options.provider;
  }

  /**
   * The response data of one SDK call; `undefined` when the answer's status is in
   * `accept` (e.g. 404 for "already gone"). Any other failure is thrown as ProviderError.
   */
  async call<T>(what: string, fn: () => Promise<{ data: T }>, accept: readonly number[] = []): Promise<T | undefined> {
    try {
      return (await fn()).data;
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && accept.includes(status)) return undefined;
      throw this.failure(what, e);
    }
  }

  /** Like `call`, also telling which accepted status came back. */
  async callStatus<T>(what: string, fn: () => Promise<{ data: T }>, accept: readonly number[]): Promise<{ status: number; data: T | undefined }> {
    try {
      return { status: 200, data: (await fn()).data };
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && accept.includes(status)) return { status, data: undefined };
      throw this.failure(what, e);
    }
  }

  /** Every page of a listing that pages with pageToken/nextPageToken. */
  async pages<P extends { nextPageToken?: string | null }>(what: string, fetchPage: (pageToken: string | undefined) => Promise<{ data: P }>): Promise<P[]> {
    const out: P[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = (await this.call(what, () => fetchPage(token))) as P;
      out.push(page);
      token = page.nextPageToken ?? undefined;
      // A service handing back a token already followed would page forever.
      if (token && seen.has(token))
        throw toProviderError(this.options.provider, `${what}: the service repeated a page token`, new Error('page token loop'), (t) => this.scrub(t), 0);
      if (token) seen.add(token);
    } while (token);
    return out;
  }

  private failure(what: string, e: unknown): Error {
    return toProviderError(this.options.provider, what, e, (text) => this.scrub(text), this.options.timeoutMs, this.options.delegation);
  }

  private scrub(text: string): string {
    let out = text;
    const token = this.options.jwt.credentials.access_token;
    for (const s of [...this.options.secrets, ...(token ? [token] : [])]) if (s.length >= 8) out = out.split(s).join('[REDACTED]');
    return redactor.redact(out);
  }
}
