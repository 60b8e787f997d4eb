import type { Exchange } from '../../src/emulator/exchanges.js';
import { findOperation, pathParameters, type ApiDefinition, type Content, type Operation, type Parameter } from './definition.js';

/**
 * Checks one recorded exchange against the vendor's definition: the request (operation,
 * query parameters and their values, body) and the answer (a status the operation lists,
 * or the vendor's error body for an error it does not; the body against the schema, and
 * no property the schema leaves out). Each problem is a line a person can act on.
 */
export interface ExchangeCheck {
  operation?: Operation;
  problems: string[];
  /** What was compared with the definition, for the counts: `GET /users?limit`, `GET /users 200`. */
  requestShape?: string;
  responseShape?: string;
}

export function checkExchange(api: ApiDefinition, x: Exchange): ExchangeCheck {
  const where = `${x.method} ${x.path}`;
  const path = api.endpointPath?.(x.path) ?? x.path;
  const op = findOperation(api, x.method, path);
  if (!op) return { problems: [`${where}: no such operation in ${api.files.join(', ')}`] };
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${where} (${op.id}): ${what}`);

  checkQuery(api, op, x, say);
  for (const [name, value] of Object.entries(pathParameters(op.template, path))) {
    const p = op.parameters.find((q) => q.in === 'path' && q.name.replace(/^\+/, '') === name);
    if (p?.schema) for (const m of api.schemas.validate(p.schema, coerce(api, p, [value])[0])) say(`path parameter ${name}: ${m}`);
  }
  const keys = Object.keys(x.query).sort();
  let requestShape = `${op.method} ${op.template}${keys.length ? `?${keys.join('&')}` : ''}`;
  if (x.requestBody !== undefined && x.requestBody !== '') {
    if (!op.requestBody) say('sends a body, but the operation takes none');
    else {
      const pointer = schemaFor(op.requestBody.content, x.requestHeaders['content-type'], say, 'request');
      if (pointer && isJsonPatch(x.requestHeaders['content-type'])) {
        // Kubernetes declares every PATCH body as its opaque `Patch` object; a JSON Patch is RFC 6902's array.
        for (const m of jsonPatchProblems(x.requestBody)) say(`request body ${m}`);
        requestShape += ' with JSON Patch';
      } else if (pointer) {
        for (const m of api.schemas.validate(pointer, x.requestBody)) say(`request body ${m}`);
        for (const p of api.schemas.undeclared(pointer, x.requestBody)) say(`request body sends ${p}, which the definition does not declare`);
        requestShape += ' with body';
      }
    }
  } else if (op.requestBody?.required && !x.injected) say('sends no body, but the operation requires one');

  const responseShape = checkResponse(api, op, x, say);
  return { operation: op, problems, requestShape, responseShape };
}

function checkQuery(api: ApiDefinition, op: Operation, x: Exchange, say: (m: string) => void): void {
  const declared = [...op.parameters.filter((p) => p.in === 'query'), ...api.globalParameters];
  for (const [name, values] of Object.entries(x.query)) {
    const p = declared.find((q) => q.name === name);
    if (!p) {
      say(`query parameter ${name} is not in the definition`);
      continue;
    }
    if (!p.schema) continue;
    for (const v of coerce(api, p, values)) for (const m of api.schemas.validate(p.schema, v)) say(`query ${name}=${values.join(',')}: ${m}`);
  }
  for (const p of op.parameters) if (p.in === 'query' && p.required && !(p.name in x.query)) say(`required query parameter ${p.name} is missing`);
}

/** Query text as the schema's type: numbers, booleans, and arrays (comma-separated or repeated). */
function coerce(api: ApiDefinition, p: Parameter, values: string[]): unknown[] {
  const schema = p.schema ? api.schemas.resolve({ $ref: p.schema }) : {};
  const type = schema['type'];
  if (type === 'array') {
    const items = api.schemas.resolve((schema['items'] ?? {}) as Record<string, unknown>);
    const parts = p.commaSeparated ? values.flatMap((v) => v.split(',')) : values;
    return [parts.map((v) => scalar(items['type'], v))];
  }
  return values.map((v) => scalar(type, v));
}

function scalar(type: unknown, v: string): unknown {
  if (type === 'integer' || type === 'number') return v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  if (type === 'boolean') return v === 'true' ? true : v === 'false' ? false : v;
  return v;
}

function checkResponse(api: ApiDefinition, op: Operation, x: Exchange, say: (m: string) => void): string | undefined {
  const status = String(x.status);
  const declared = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? op.responses['default'];
  const error = x.status >= 400;
  let pointer: string | undefined;
  if (declared) {
    if (x.responseBody === undefined) return `${op.method} ${op.template} ${status}`;
    pointer = schemaFor(declared.content, x.responseHeaders['content-type'], say, `answer ${status}`);
    if (!pointer && error && api.errorSchema && Object.keys(declared.content).length === 0) pointer = api.errorSchema;
  } else if (error && api.errorSchema) {
    pointer = api.errorSchema;
  } else {
    say(`answers ${status}, which the operation does not list (${Object.keys(op.responses).join(', ')})`);
    return undefined;
  }
  if (!pointer) return undefined;
  for (const m of api.schemas.validate(pointer, x.responseBody)) say(`answer ${status} body ${m}`);
  for (const p of api.schemas.undeclared(pointer, x.responseBody)) say(`answer ${status} carries ${p}, which the definition does not declare`);
  return `${op.method} ${op.template} ${status}`;
}

/** The schema for a body of this Content-Type (parameters such as charset ignored; `*\/*` matches all). */
function schemaFor(content: Content, contentType: string | undefined, say: (m: string) => void, what: string): string | undefined {
  const types = Object.keys(content);
  if (types.length === 0) return undefined;
  const type = mediaType(contentType);
  const key = types.find((t) => mediaType(t) === type) ?? types.find((t) => t === '*/*' || (t === 'application/json' && type.endsWith('+json')));
  if (!key) {
    say(`${what} is ${type || 'without a Content-Type'}; the definition has ${types.join(', ')}`);
    return undefined;
  }
  return content[key];
}

/** Every exchange of a log checked: problems, and the distinct shapes validated. */
export function checkExchanges(
  api: ApiDefinition,
  exchanges: readonly Exchange[],
): { problems: string[]; requestShapes: Set<string>; responseShapes: Set<string>; operations: Set<string> } {
  const problems = new Set<string>();
  const requestShapes = new Set<string>();
  const responseShapes = new Set<string>();
  const operations = new Set<string>();
  for (const x of exchanges) {
    const r = checkExchange(api, x);
    r.problems.forEach((p) => problems.add(p));
    if (r.operation) operations.add(r.operation.id);
    if (r.requestShape) requestShapes.add(r.requestShape);
    if (r.responseShape) responseShapes.add(r.responseShape);
  }
  return { problems: [...problems], requestShapes, responseShapes, operations };
}

function isJsonPatch(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json-patch+json';
}

/** A Content-Type without its parameters (charset), lower case. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** RFC 6902 §4: an array of operations, each with `op` and `path`, `value` for add/replace/test, `from` for move/copy. */
function jsonPatchProblems(body: unknown): string[] {
  if (!Array.isArray(body)) return ['is not a JSON Patch array (RFC 6902)'];
  const problems: string[] = [];
  body.forEach((raw: unknown, i) => {
    const op = (raw ?? {}) as Record<string, unknown>;
    const name = op['op'];
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(name as string)) problems.push(`/${i}/op ${JSON.stringify(name)} is not an RFC 6902 operation`);
    if (typeof op['path'] !== 'string' || !(op['path'] === '' || op['path'].startsWith('/'))) problems.push(`/${i}/path must be a JSON Pointer`);
    if (['add', 'replace', 'test'].includes(name as string) && !('value' in op)) problems.push(`/${i} ${String(name)} needs a value`);
    if (['move', 'copy'].includes(name as string) && typeof op['from'] !== 'string') problems.push(`/${i} ${String(name)} needs from`);
  });
  return problems;
}
