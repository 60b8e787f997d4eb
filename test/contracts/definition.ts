import { fromOpenApi30, SchemaSet, type Schema } from './schema.js';

/**
 * A vendor's API definition reduced to what checking one request and its answer needs:
 * its operations (method, path template, parameters, body and answers, each schema named
 * by a pointer into the vendor document) and the vendor's error body. Read from the
 * vendor's own format by `fromOpenApi` (Okta, Microsoft Graph, Kubernetes) and
 * `fromDiscovery` (Google); SCIM's comes from RFC 7643/7644 (scim.ts).
 */
export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  /** Pointer to the parameter's schema; undefined when the definition gives none. */
  schema?: string;
  /** How an array is written in a query: comma-separated (`form`, explode false) or repeated. */
  commaSeparated: boolean;
}

/** Content type → pointer to the body's schema (undefined: the body is not described). */
export type Content = Record<string, string | undefined>;

export interface Operation {
  /** The vendor's name for it: operationId, or discovery's method id. */
  id: string;
  method: string;
  /** Path template as the server sees it, base path included: `/v1.0/users/{user-id}`. */
  template: string;
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Content };
  /** By status: `200`, `4XX`, `default`. */
  responses: Record<string, { content: Content }>;
}

export interface ApiDefinition {
  vendor: string;
  /** The fixture files it was read from. */
  files: string[];
  schemas: SchemaSet;
  operations: Operation[];
  /** Query parameters every operation takes (discovery's `alt`, `fields`, ...). */
  globalParameters: Parameter[];
  /** The vendor's error body, for error answers an operation does not list. */
  errorSchema?: string;
  /** The path the definition's templates are written for, when a service mounts the API anywhere (SCIM). */
  endpointPath?: (path: string) => string;
}

/** The operation a request is for: literal segments beat parameters, as servers route. */
export function findOperation(api: ApiDefinition, method: string, path: string): Operation | undefined {
  const parts = path.split('/').filter(Boolean).map(decode);
  let best: { op: Operation; literals: number } | undefined;
  for (const op of api.operations) {
    if (op.method !== method) continue;
    const literals = bind(op.template, parts);
    if (literals !== undefined && (!best || literals > best.literals)) best = { op, literals };
  }
  return best?.op;
}

/** Path parameters of a request for a template. */
export function pathParameters(template: string, path: string): Record<string, string> {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean).map(decode);
  const out: Record<string, string> = {};
  t.forEach((seg, i) => {
    const m = /^\{\+?([^}]+)\}$/.exec(seg);
    if (m) out[m[1]!] = p[i] ?? '';
  });
  return out;
}

/** Number of literal segments matched, or undefined when the path does not fit the template. */
function bind(template: string, parts: string[]): number | undefined {
  const t = template.split('/').filter(Boolean);
  if (t.length !== parts.length) return undefined;
  let literals = 0;
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (/^\{[^}]+\}$/.test(seg)) continue;
    if (odata(seg) !== odata(parts[i]!)) return undefined;
    literals++;
  }
  return literals;
}

/**
 * A bound OData function or action as Graph answers it: the definition writes
 * `microsoft.graph.delta()`, and `delta` is the same call (the namespace is optional
 * and a function without parameters needs no parentheses).
 * https://learn.microsoft.com/graph/api/user-delta and the OData v4.01 URL conventions §4.5.
 */
function odata(segment: string): string {
  return segment.replace(/\(\)$/, '').replace(/^microsoft\.graph\.(?=[a-z][A-Za-z]*$)/, '');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * An OpenAPI 3.0 document. `basePath` is the path part of the server URL requests go to
 * (Graph: `/v1.0`); `errorSchema` names the vendor's error body in it, or a schema from
 * the vendor's documentation added under `components.schemas` when the document has none.
 */
export function fromOpenApi(
  vendor: string,
  files: string[],
  documents: Schema[],
  options: { basePath?: string; errorSchema?: string; extraSchemas?: Record<string, Schema> } = {},
): ApiDefinition {
  const merged = fromOpenApi30(mergeOpenApi(documents)) as Schema;
  const components = (merged['components'] ??= {}) as Record<string, Record<string, Schema>>;
  components['schemas'] = { ...components['schemas'], ...options.extraSchemas };
  const schemas = new SchemaSet(merged, `vendor:${vendor}`);
  const operations: Operation[] = [];
  const paths = (merged['paths'] ?? {}) as Record<string, Schema>;
  for (const [path, item] of Object.entries(paths)) {
    const shared = (item['parameters'] ?? []) as Schema[];
    for (const method of METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      const base = `#/paths/${escape(path)}`;
      const params = [
        ...shared.map((p, i) => openApiParameter(schemas, p, `${base}/parameters/${i}`)),
        ...((op['parameters'] ?? []) as Schema[]).map((p, i) => openApiParameter(schemas, p, `${base}/${method}/parameters/${i}`)),
      ];
      const body = op['requestBody'] as Schema | undefined;
      const responses: Operation['responses'] = {};
      for (const [status, r] of Object.entries((op['responses'] ?? {}) as Record<string, Schema>)) {
        responses[status] = { content: openApiContent(schemas, r, `${base}/${method}/responses/${status}`) };
      }
      operations.push({
        id: (op['operationId'] as string | undefined) ?? `${method} ${path}`,
        method: method.toUpperCase(),
        template: `${options.basePath ?? ''}${path}`,
        parameters: dedupe(params),
        requestBody: body && {
          required: Boolean(schemas.resolve(body)['required']),
          content: openApiContent(schemas, body, `${base}/${method}/requestBody`),
        },
        responses,
      });
    }
  }
  return { vendor, files, schemas, operations, globalParameters: [], errorSchema: options.errorSchema };
}

/** Several documents of one vendor (Kubernetes publishes one per API group) as one. */
function mergeOpenApi(documents: Schema[]): Schema {
  if (documents.length === 1) return documents[0]!;
  const paths: Record<string, unknown> = {};
  const components: Record<string, Record<string, unknown>> = {};
  for (const d of documents) {
    Object.assign(paths, d['paths']);
    for (const [kind, entries] of Object.entries((d['components'] ?? {}) as Record<string, Record<string, unknown>>)) Object.assign((components[kind] ??= {}), entries);
  }
  return { ...documents[0], paths, components };
}

function escape(path: string): string {
  return path.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A later parameter of the same name and place (the operation's) replaces the path item's. */
function dedupe(params: Parameter[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of params) byKey.set(`${p.in}:${p.name}`, p);
  return [...byKey.values()];
}

function openApiParameter(schemas: SchemaSet, raw: Schema, at: string): Parameter {
  const ref = raw['$ref'] as string | undefined;
  const p = schemas.resolve(raw);
  const where = ref ?? at;
  const explode = p['explode'] as boolean | undefined;
  const style = (p['style'] as string | undefined) ?? 'form';
  return {
    name: p['name'] as string,
    in: p['in'] as Parameter['in'],
    required: Boolean(p['required']),
    schema: p['schema'] ? `${where}/schema` : undefined,
    commaSeparated: style === 'form' && explode === false,
  };
}

function openApiContent(schemas: SchemaSet, raw: Schema, at: string): Content {
  const ref = raw['$ref'] as string | undefined;
  const r = schemas.resolve(raw);
  const where = ref ?? at;
  const out: Content = {};
  for (const [type, media] of Object.entries((r['content'] ?? {}) as Record<string, Schema>)) {
    out[type] = media['schema'] ? `${where}/content/${escape(type)}/schema` : undefined;
  }
  return out;
}

/**
 * A Google discovery document: methods in nested resources, `$ref` by schema name,
 * parameters with `location`, string `minimum`/`maximum`. Turned into JSON Schema in a
 * copy; the error body (the API's documented JSON error) is added as `schemas.Error`
 * when the document has none.
 */
export function fromDiscovery(vendor: string, files: string[], documents: Schema[], errorSchema: Schema): ApiDefinition {
  const operations: Operation[] = [];
  const globals: Parameter[] = [];
  const merged: Schema = { schemas: {}, parameters: {}, apis: {} };
  const mergedSchemas = merged['schemas'] as Record<string, Schema>;
  const apis = merged['apis'] as Record<string, Schema>;
  documents.forEach((doc, n) => {
    const key = `d${n}`;
    const copy = discoveryToJsonSchema(doc) as Schema;
    // Methods stay under their document; schemas and global parameters are shared by all.
    apis[key] = { resources: copy['resources'] };
    for (const [name, schema] of Object.entries((copy['schemas'] ?? {}) as Record<string, Schema>)) {
      if (mergedSchemas[name] && JSON.stringify(mergedSchemas[name]) !== JSON.stringify(schema))
        throw new Error(`${vendor}: two documents define schema ${name} differently`);
      mergedSchemas[name] = schema;
    }
    if (n === 0) merged['parameters'] = copy['parameters'];
  });
  mergedSchemas['Error'] ??= errorSchema;
  const schemas = new SchemaSet(merged, `vendor:${vendor}`);
  for (const [name, p] of Object.entries((merged['parameters'] ?? {}) as Record<string, Schema>)) globals.push(discoveryParameter(name, p, `#/parameters/${name}`));
  documents.forEach((doc, n) => {
    const copy = apis[`d${n}`]!;
    const root = new URL(`${doc['rootUrl'] as string}${(doc['servicePath'] as string | undefined) ?? ''}`).pathname;
    const visit = (resources: Record<string, Schema> | undefined, at: string): void => {
      for (const [rname, resource] of Object.entries(resources ?? {})) {
        const rat = `${at}/${rname}`;
        for (const [mname, m] of Object.entries((resource['methods'] ?? {}) as Record<string, Schema>)) {
          const mat = `${rat}/methods/${mname}`;
          const params = Object.entries((m['parameters'] ?? {}) as Record<string, Schema>).map(([pn, p]) => discoveryParameter(pn, p, `${mat}/parameters/${pn}`));
          const request = m['request'] as Schema | undefined;
          const response = m['response'] as Schema | undefined;
          operations.push({
            id: m['x-id'] as string,
            method: m['httpMethod'] as string,
            template: `${root}${(m['flatPath'] as string | undefined) ?? (m['path'] as string)}`.replace(/\/+/g, '/'),
            parameters: params,
            requestBody: request ? { required: true, content: { 'application/json': `${mat}/request` } } : undefined,
            responses: response ? { '200': { content: { 'application/json': `${mat}/response` } } } : { '200': { content: {} }, '204': { content: {} } },
          });
        }
        visit(resource['resources'] as Record<string, Schema> | undefined, `${rat}/resources`);
      }
    };
    visit(copy['resources'] as Record<string, Schema> | undefined, `#/apis/d${n}/resources`);
  });
  return { vendor, files, schemas, operations, globalParameters: globals, errorSchema: '#/schemas/Error' };
}

function discoveryParameter(name: string, p: Schema, at: string): Parameter {
  return {
    name,
    in: p['location'] === 'path' ? 'path' : 'query',
    required: Boolean(p['x-required']),
    schema: at,
    commaSeparated: false,
  };
}

/** Discovery's draft-03 spellings as JSON Schema: `$ref: "User"`, `required: true`, `type: "any"`, string bounds, `id` names. */
function discoveryToJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(discoveryToJsonSchema);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) out[k] = `#/schemas/${v}`;
    else if (k === 'required' && typeof v === 'boolean') out['x-required'] = v;
    else if (k === 'type' && v === 'any') continue;
    else if ((k === 'minimum' || k === 'maximum') && typeof v === 'string') out[k] = Number(v);
    else if (k === 'repeated') out['x-repeated'] = v;
    else if (k === 'id' && typeof v === 'string') out['x-id'] = v;
    else out[k] = discoveryToJsonSchema(v);
  }
  return out;
}
