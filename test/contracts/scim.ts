import type { ApiDefinition, Content, Operation, Parameter } from './definition.js';
import { SchemaSet, type Schema } from './schema.js';

/**
 * SCIM 2.0 has no OpenAPI: its definition is RFC 7643 (the resource schemas, published
 * in section 8.7 as SCIM Schema resources: the fixture) and RFC 7644 (the endpoints,
 * query parameters and messages, in prose). The schemas are turned into JSON Schema
 * here; the endpoints and messages are written from RFC 7644's text, section by section.
 */

/** One attribute of an RFC 7643 §7 schema definition. */
interface ScimAttribute {
  name: string;
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
  multiValued: boolean;
  required?: boolean;
  subAttributes?: ScimAttribute[];
  canonicalValues?: string[];
}

interface ScimSchemaResource {
  id: string;
  name?: string;
  attributes: ScimAttribute[];
}

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const MESSAGES = 'urn:ietf:params:scim:api:messages:2.0:';

/** RFC 7643 §2.3: the attribute data types as JSON. */
function attributeSchema(a: ScimAttribute): Schema {
  const one: Schema =
    a.type === 'complex'
      ? objectOf(a.subAttributes ?? [])
      : a.type === 'boolean'
        ? { type: 'boolean' }
        : a.type === 'integer'
          ? { type: 'integer' }
          : a.type === 'decimal'
            ? { type: 'number' }
            : a.type === 'dateTime'
              ? { type: 'string', format: 'date-time' }
              : { type: 'string' };
  return a.multiValued ? { type: 'array', items: one } : one;
}

function objectOf(attributes: ScimAttribute[], required: string[] = []): Schema {
  return { type: 'object', properties: Object.fromEntries(attributes.map((a) => [a.name, attributeSchema(a)])), ...(required.length ? { required } : {}) };
}

/** RFC 7643 §3.1: the common attributes every resource has, outside its schema. */
const COMMON: Record<string, Schema> = {
  schemas: { type: 'array', items: { type: 'string' }, minItems: 1 },
  id: { type: 'string' },
  externalId: { type: 'string' },
  meta: {
    type: 'object',
    properties: {
      resourceType: { type: 'string' },
      created: { type: 'string', format: 'date-time' },
      lastModified: { type: 'string', format: 'date-time' },
      location: { type: 'string' },
      version: { type: 'string' },
    },
  },
};

/**
 * A resource as JSON Schema: common attributes, the core schema's, and each extension's
 * under its URN (RFC 7643 §3.3). An answer always has `id` (§3.1 "returned always");
 * a request body need not.
 */
function resource(core: ScimSchemaResource, extensions: ScimSchemaResource[], answer: boolean): Schema {
  const body = objectOf(core.attributes);
  const props = body['properties'] as Record<string, Schema>;
  for (const e of extensions) props[e.id] = objectOf(e.attributes);
  const required = core.attributes.filter((a) => a.required).map((a) => a.name);
  // Other extensions (a service's own, under their URN) are beyond RFC 7643's schemas: not checked.
  return {
    ...body,
    properties: { ...COMMON, ...props },
    patternProperties: { '^urn:': { type: 'object' } },
    required: ['schemas', ...(answer ? ['id'] : []), ...required],
  };
}

/** RFC 7644 §3.4.2: a query's answer. */
function listResponse(item: string): Schema {
  return {
    type: 'object',
    required: ['schemas', 'totalResults'],
    properties: {
      schemas: { type: 'array', items: { const: `${MESSAGES}ListResponse` } },
      totalResults: { type: 'integer', minimum: 0 },
      Resources: { type: 'array', items: { $ref: item } },
      startIndex: { type: 'integer', minimum: 1 },
      itemsPerPage: { type: 'integer', minimum: 0 },
    },
  };
}

const MESSAGE_SCHEMAS: Record<string, Schema> = {
  // RFC 7644 §3.5.2: "op" is add, remove or replace (services take them in any case, as
  // attribute names are; the RFC's examples are lower case); "path" is optional for add
  // and replace, required for remove.
  PatchOp: {
    type: 'object',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { const: `${MESSAGES}PatchOp` } },
      Operations: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['op'],
          properties: { op: { type: 'string', pattern: '^([Aa][Dd][Dd]|[Rr][Ee][Mm][Oo][Vv][Ee]|[Rr][Ee][Pp][Ll][Aa][Cc][Ee])$' }, path: { type: 'string' }, value: {} },
          if: { properties: { op: { pattern: '^[Rr][Ee][Mm][Oo][Vv][Ee]$' } } },
          then: { required: ['op', 'path'] },
        },
      },
    },
  },
  // RFC 7644 §3.4.3: a query in a POST body, with the query parameters' names.
  SearchRequest: {
    type: 'object',
    required: ['schemas'],
    properties: {
      schemas: { type: 'array', items: { const: `${MESSAGES}SearchRequest` } },
      attributes: { type: 'array', items: { type: 'string' } },
      excludedAttributes: { type: 'array', items: { type: 'string' } },
      filter: { type: 'string', minLength: 1 },
      sortBy: { type: 'string' },
      sortOrder: { enum: ['ascending', 'descending'] },
      startIndex: { type: 'integer' },
      count: { type: 'integer', minimum: 0 },
    },
  },
  // RFC 7644 §3.12: status is the HTTP status as a string; scimType from its table 9.
  Error: {
    type: 'object',
    required: ['schemas', 'status'],
    properties: {
      schemas: { type: 'array', items: { const: `${MESSAGES}Error` } },
      status: { type: 'string', pattern: '^[1-5][0-9][0-9]$' },
      scimType: {
        enum: ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'],
      },
      detail: { type: 'string' },
    },
  },
};

/** RFC 7644 §3.4.2.1–§3.4.2.5 and §3.9: a query's parameters. */
const LIST_PARAMS = ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'attributes', 'excludedAttributes'];
const PARAM_SCHEMAS: Record<string, Schema> = {
  filter: { type: 'string', minLength: 1 },
  sortBy: { type: 'string' },
  sortOrder: { enum: ['ascending', 'descending'] },
  // §3.4.2.4: 1-based; "a value less than 1 SHALL be interpreted as 1": still an integer.
  startIndex: { type: 'integer' },
  count: { type: 'integer', minimum: 0 },
  attributes: { type: 'string' },
  excludedAttributes: { type: 'string' },
};

const SCIM_JSON = 'application/scim+json';
/** §8.1: the media type is application/scim+json; clients and services also use application/json. */
const body = (pointer: string): Content => ({ [SCIM_JSON]: pointer, 'application/json': pointer });

function param(name: string, where: 'query' | 'path'): Parameter {
  return { name, in: where, required: where === 'path', schema: where === 'query' ? `#/parameters/${name}` : undefined, commaSeparated: false };
}

/** RFC 7644 §3.2's endpoint table for Users and Groups, and the discovery endpoints of §4. */
function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [endpoint, kind] of [
    ['/Users', 'User'],
    ['/Groups', 'Group'],
  ] as const) {
    const one = `#/definitions/${kind}`;
    const write = `#/definitions/${kind}Write`;
    const byId = `${endpoint}/{id}`;
    const attrs = [param('attributes', 'query'), param('excludedAttributes', 'query')];
    ops.push(
      {
        id: `§3.4.2 query ${kind}s`,
        method: 'GET',
        template: endpoint,
        parameters: LIST_PARAMS.map((n) => param(n, 'query')),
        responses: { '200': { content: body(`#/definitions/${kind}List`) } },
      },
      {
        id: `§3.3 create ${kind}`,
        method: 'POST',
        template: endpoint,
        parameters: attrs,
        requestBody: { required: true, content: body(write) },
        responses: { '201': { content: body(one) } },
      },
      // §3.14: a conditional GET with If-None-Match may answer 304 Not Modified.
      {
        id: `§3.4.1 get ${kind}`,
        method: 'GET',
        template: byId,
        parameters: [param('id', 'path'), ...attrs],
        responses: { '200': { content: body(one) }, '304': { content: {} } },
      },
      {
        id: `§3.5.1 replace ${kind}`,
        method: 'PUT',
        template: byId,
        parameters: [param('id', 'path'), ...attrs],
        requestBody: { required: true, content: body(write) },
        responses: { '200': { content: body(one) } },
      },
      // §3.5.2: "either HTTP status code 200 and the entire resource ... or 204 No Content".
      {
        id: `§3.5.2 modify ${kind}`,
        method: 'PATCH',
        template: byId,
        parameters: [param('id', 'path'), ...attrs],
        requestBody: { required: true, content: body('#/definitions/PatchOp') },
        responses: { '200': { content: body(one) }, '204': { content: {} } },
      },
      { id: `§3.6 delete ${kind}`, method: 'DELETE', template: byId, parameters: [param('id', 'path')], responses: { '204': { content: {} } } },
      {
        id: `§3.4.3 search ${kind}s`,
        method: 'POST',
        template: `${endpoint}/.search`,
        parameters: [],
        requestBody: { required: true, content: body('#/definitions/SearchRequest') },
        responses: { '200': { content: body(`#/definitions/${kind}List`) } },
      },
    );
  }
  // §4: the service's own description. Their bodies are the §8.7.2 schemas' resources.
  ops.push({
    id: '§4 ServiceProviderConfig',
    method: 'GET',
    template: '/ServiceProviderConfig',
    parameters: [],
    responses: { '200': { content: body('#/definitions/ServiceProviderConfig') } },
  });
  ops.push({ id: '§4 ResourceTypes', method: 'GET', template: '/ResourceTypes', parameters: [], responses: { '200': { content: body('#/definitions/Any') } } });
  ops.push({ id: '§4 Schemas', method: 'GET', template: '/Schemas', parameters: [], responses: { '200': { content: body('#/definitions/Any') } } });
  return ops;
}

/** Where the SCIM endpoints start in a request path (a service mounts them anywhere, e.g. `/scim/v2`). */
const ENDPOINT = /\/(Users|Groups|ServiceProviderConfig|ResourceTypes|Schemas|Bulk|\.search|Me)(\/|$)/;

export function scimDefinition(files: string[], schemaResources: ScimSchemaResource[]): ApiDefinition {
  const byId = new Map(schemaResources.map((s) => [s.id, s]));
  const need = (id: string): ScimSchemaResource => {
    const s = byId.get(id);
    if (!s) throw new Error(`scim: RFC 7643 schema ${id} is missing from ${files.join(', ')}`);
    return s;
  };
  const user = need(CORE_USER);
  const group = need(CORE_GROUP);
  const enterprise = need(ENTERPRISE_USER);
  const spc = need('urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig');
  const document: Schema = {
    definitions: {
      User: resource(user, [enterprise], true),
      UserWrite: resource(user, [enterprise], false),
      Group: resource(group, [], true),
      GroupWrite: resource(group, [], false),
      UserList: listResponse('#/definitions/User'),
      GroupList: listResponse('#/definitions/Group'),
      ServiceProviderConfig: resource(spc, [], false),
      Any: {},
      ...MESSAGE_SCHEMAS,
    },
    parameters: PARAM_SCHEMAS,
  };
  return {
    vendor: 'scim',
    files,
    schemas: new SchemaSet(document, 'vendor:scim'),
    operations: operations(),
    globalParameters: [],
    errorSchema: '#/definitions/Error',
    endpointPath: (path) => {
      const m = ENDPOINT.exec(path);
      return m ? path.slice(m.index) : path;
    },
  };
}
