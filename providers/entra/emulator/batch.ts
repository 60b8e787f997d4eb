import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestCounters } from '../../../src/emulator/counters.js';
import { faultDetail, faultStatus, type FaultController, type FaultRule } from '../../../src/emulator/faults.js';
import type { Reply } from '../../../src/emulator/http.js';
import { DROP_CONNECTION, type Answer } from '../../../src/emulator/server.js';
import type { GraphAnswer } from './graph-routes.js';
import { errorBody, faultBody } from './wire.js';

/**
 * JSON batching (https://learn.microsoft.com/graph/json-batching): up to MAX_BATCH
 * requests in one POST, each answered on its own; more is refused whole with 400 (Graph's
 * exact message for it is not documented; this one names the limit). Each request is
 * counted and can be faulted like a request of its own: a throttled one is a 429 inside
 * the batch's 200 answer, with its own Retry-After header
 * (https://learn.microsoft.com/graph/throttling, "Throttling and batching"). Requests
 * without dependsOn run in parallel in Graph, so their latencies overlap.
 */
export const MAX_BATCH = 20;

export interface BatchContext {
  /** Server origin: batched URLs are relative to `/v1.0`. */
  origin: string;
  faults: FaultController;
  counters: RequestCounters;
  /** The endpoint template of a request path, as for a request of its own. */
  templateOf(method: string, path: string): string;
  /** One Graph request, answered as it would be alone. */
  call(method: string, url: URL, body: unknown): GraphAnswer;
}

interface BatchItem {
  id: string;
  method: string;
  url: URL;
  template: string;
  body: unknown;
}

export async function answerBatch(body: unknown, ctx: BatchContext, clientRequestId: string | undefined): Promise<Answer> {
  const bad = (message: string): Reply => ({ status: 400, body: errorBody('BadRequest', message, clientRequestId) });
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return bad('Invalid batch payload format.');
  if (requests.length > MAX_BATCH) return bad(`Limit of ${MAX_BATCH} requests per batch exceeded.`);
  const ids = new Set<string>();
  const items = (requests as { id?: unknown; method?: unknown; url?: unknown; body?: unknown }[]).map((raw): BatchItem | null => {
    const id = String(raw.id ?? '');
    if (!id || ids.has(id) || typeof raw.method !== 'string' || typeof raw.url !== 'string') return null;
    ids.add(id);
    const method = raw.method.toUpperCase();
    const url = new URL(`/v1.0/${raw.url.replace(/^\//, '')}`, ctx.origin);
    return { id, method, url, template: ctx.templateOf(method, url.pathname), body: raw.body };
  });
  if (items.some((i) => i === null)) return bad('Invalid batch payload format: every request needs a unique id, a method and a url.');
  const decided = (items as BatchItem[]).map((item) => {
    ctx.counters.hit(item.method, item.template);
    return { ...item, ...ctx.faults.decide({ method: item.method, template: item.template, path: item.url.pathname }) };
  });
  const latencyMs = Math.max(0, ...decided.map((d) => d.latencyMs));
  if (latencyMs > 0) await sleep(latencyMs);
  const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
  let dropConnection = false;
  for (const { id, method, url, body: requestBody, rule } of decided) {
    if (rule && !rule.afterEffect) {
      if (rule.fault.kind === 'reset') dropConnection = true;
      else responses.push({ id, ...faultAnswer(rule) });
      continue;
    }
    const answer = ctx.call(method, url, requestBody);
    if (rule?.fault.kind === 'reset') dropConnection = true;
    const final = rule ? faultAnswer(rule) : answer;
    responses.push({
      id,
      status: final.status,
      headers: { ...(final.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...final.headers },
      ...(final.body !== undefined ? { body: final.body } : {}),
    });
  }
  return dropConnection ? DROP_CONNECTION : { status: 200, body: { responses } };
}

function faultAnswer({ fault }: FaultRule): { status: number; headers: Record<string, string>; body: unknown } {
  const status = faultStatus(fault) || 500;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (fault.kind !== 'reset' && fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  return { status, headers, body: faultBody(status, faultDetail(fault)) };
}
