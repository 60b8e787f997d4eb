import type { IncomingMessage, ServerResponse } from 'node:http';

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * One answer of an emulated API. A body is sent as JSON with the API's Content-Type; a
 * 204, a 304 or an answer without a body has neither body nor Content-Type (SDKs parse
 * a typed empty body as JSON and fail).
 */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

/** Writes a reply; `always` are headers every answer of the API carries. */
export function writeReply(res: ServerResponse, answer: Reply, contentType: string, always: Record<string, string> = {}): void {
  res.statusCode = answer.status;
  for (const [k, v] of Object.entries({ ...always, ...answer.headers })) res.setHeader(k, v);
  if (answer.status === 204 || answer.status === 304 || answer.body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', contentType);
  res.end(JSON.stringify(answer.body));
}
