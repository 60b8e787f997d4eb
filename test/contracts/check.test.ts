import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/emulator/exchanges.js';
import { checkExchange } from './check.js';
import { fromDiscovery, fromOpenApi } from './definition.js';
import { scimDefinition } from './scim.js';

/**
 * The checks themselves, on small definitions written here in each vendor format (the
 * vendors' own definitions are not in the repository): each kind of disagreement is
 * found, and a faithful exchange passes.
 */
const OPENAPI = {
  openapi: '3.0.3',
  paths: {
    '/api/v1/users': {
      get: {
        operationId: 'listUsers',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 200 } },
          { name: '$select', in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { type: 'string', enum: ['id', 'status'] } } },
        ],
        responses: {
          '200': { content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/User' } } } } },
          '429': { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/api/v1/users/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      post: {
        operationId: 'updateUser',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
        responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } },
      },
      patch: {
        operationId: 'patchUser',
        requestBody: { content: { 'application/json-patch+json': { schema: { type: 'object' } } } },
        responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } },
      },
    },
    '/users/microsoft.graph.delta()': { get: { operationId: 'delta', responses: { '200': { content: {} } } } },
  },
  components: {
    schemas: {
      Base: { type: 'object', properties: { id: { type: 'string' } } },
      User: {
        allOf: [
          { $ref: '#/components/schemas/Base' },
          {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['ACTIVE', 'SUSPENDED'] },
              profile: { type: 'object', properties: { login: { type: 'string' } }, nullable: true },
            },
          },
        ],
      },
      Error: { type: 'object', required: ['errorCode'], properties: { errorCode: { type: 'string' }, errorSummary: { type: 'string' } } },
    },
    responses: { Error: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
  },
};

const api = fromOpenApi('okta', ['mini.json'], [OPENAPI], { errorSchema: '#/components/schemas/Error' });

function exchange(over: Partial<Exchange>): Exchange {
  return {
    method: 'GET',
    path: '/api/v1/users',
    template: '',
    query: {},
    requestHeaders: {},
    requestBody: undefined,
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: [],
    injected: false,
    ...over,
  };
}

const problems = (x: Partial<Exchange>) => checkExchange(api, exchange(x)).problems;

describe('contract checks against an OpenAPI definition', () => {
  it('passes a faithful exchange, with allOf, nullable and a comma-separated list', () => {
    expect(problems({ query: { limit: ['200'], $select: ['id,status'] }, responseBody: [{ id: 'u1', status: 'ACTIVE', profile: null }] })).toEqual([]);
    const update = {
      method: 'POST',
      path: '/api/v1/users/u1',
      requestHeaders: { 'content-type': 'application/json; charset=utf-8' },
      requestBody: { status: 'SUSPENDED' },
      responseBody: { id: 'u1' },
    };
    expect(problems(update)).toEqual([]);
  });

  it('finds an operation the definition does not have', () => {
    expect(problems({ method: 'DELETE' })).toEqual(['DELETE /api/v1/users: no such operation in mini.json']);
    expect(problems({ path: '/api/v1/groups' })[0]).toContain('no such operation');
  });

  it('finds undeclared query parameters and values out of their schema', () => {
    expect(problems({ query: { after: ['x'] } })).toEqual(['GET /api/v1/users (listUsers): query parameter after is not in the definition']);
    expect(problems({ query: { limit: ['500'] } })[0]).toContain('query limit=500: (body) must be <= 200');
    expect(problems({ query: { limit: ['ten'] } })[0]).toContain('must be integer');
    expect(problems({ query: { $select: ['id,mail'] } })[0]).toContain('must be equal to one of the allowed values');
  });

  it('finds bodies that break the schema or carry what it does not declare, and bodies an operation does not take', () => {
    const post = { method: 'POST', path: '/api/v1/users/u1', requestHeaders: { 'content-type': 'application/json' }, responseBody: { id: 'u1' } };
    expect(problems({ ...post, requestBody: { status: 'GONE' } })[0]).toContain('request body /status must be equal to one of the allowed values');
    expect(problems({ ...post, requestBody: { status: 'ACTIVE', nickname: 'x' } })).toEqual([
      'POST /api/v1/users/u1 (updateUser): request body sends /nickname, which the definition does not declare',
    ]);
    expect(problems({ ...post, requestBody: { profile: { login: 'a', extra: 1 } } })[0]).toContain('/profile/extra');
    expect(problems({ ...post, requestBody: undefined })).toEqual(['POST /api/v1/users/u1 (updateUser): sends no body, but the operation requires one']);
    expect(problems({ requestBody: { x: 1 } })).toEqual(['GET /api/v1/users (listUsers): sends a body, but the operation takes none']);
    expect(problems({ ...post, requestHeaders: { 'content-type': 'text/plain' }, requestBody: 'x' })[0]).toContain(
      'request is text/plain; the definition has application/json',
    );
  });

  it('checks JSON Patch bodies as RFC 6902 documents', () => {
    const patch = { method: 'PATCH', path: '/api/v1/users/u1', requestHeaders: { 'content-type': 'application/json-patch+json' }, responseBody: { id: 'u1' } };
    expect(
      problems({
        ...patch,
        requestBody: [
          { op: 'test', path: '/status', value: 'ACTIVE' },
          { op: 'remove', path: '/profile' },
        ],
      }),
    ).toEqual([]);
    expect(problems({ ...patch, requestBody: { op: 'remove' } })[0]).toContain('is not a JSON Patch array');
    expect(problems({ ...patch, requestBody: [{ op: 'delete', path: 'status' }] })).toEqual([
      'PATCH /api/v1/users/u1 (patchUser): request body /0/op "delete" is not an RFC 6902 operation',
      'PATCH /api/v1/users/u1 (patchUser): request body /0/path must be a JSON Pointer',
    ]);
  });

  it('finds answers with an unlisted status, a wrong body, or a field the vendor does not document', () => {
    expect(problems({ status: 201 })[0]).toContain('answers 201, which the operation does not list (200, 429)');
    expect(problems({ responseBody: [{ id: 7 }] })[0]).toContain('answer 200 body /0/id must be string');
    expect(problems({ responseBody: [{ id: 'u1', invented: true }] })).toEqual([
      'GET /api/v1/users (listUsers): answer 200 carries /0/invented, which the definition does not declare',
    ]);
  });

  it("checks error answers against the operation's error response, or the vendor's error body", () => {
    expect(problems({ status: 429, responseBody: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit' } })).toEqual([]);
    expect(problems({ status: 429, responseBody: { error: 'slow down' } })[0]).toContain("answer 429 body (body) must have required property 'errorCode'");
    // Not listed for the operation: the vendor's error body applies.
    expect(problems({ status: 404, responseBody: { errorCode: 'E0000007' } })).toEqual([]);
    expect(problems({ status: 404, responseBody: { message: 'not found' } })[0]).toContain("must have required property 'errorCode'");
  });

  it('matches OData function segments with or without namespace and parentheses', () => {
    expect(problems({ path: '/users/delta', responseBody: undefined })).toEqual([]);
    expect(problems({ path: '/users/microsoft.graph.delta()', responseBody: undefined })).toEqual([]);
  });
});

describe('contract checks against a Google discovery document', () => {
  const discovery = {
    rootUrl: 'https://admin.googleapis.com/',
    servicePath: '',
    parameters: { prettyPrint: { type: 'boolean', location: 'query' } },
    resources: {
      users: {
        methods: {
          list: {
            id: 'directory.users.list',
            httpMethod: 'GET',
            path: 'admin/directory/v1/users',
            parameters: { maxResults: { type: 'integer', location: 'query', minimum: '1', maximum: '500' } },
            response: { $ref: 'Users' },
          },
          delete: {
            id: 'directory.users.delete',
            httpMethod: 'DELETE',
            path: 'admin/directory/v1/users/{userKey}',
            parameters: { userKey: { type: 'string', required: true, location: 'path' } },
          },
        },
      },
    },
    schemas: {
      Users: { id: 'Users', type: 'object', properties: { users: { type: 'array', items: { $ref: 'User' } }, nextPageToken: { type: 'string' } } },
      User: { id: 'User', type: 'object', properties: { id: { type: 'string' }, suspended: { type: 'boolean' } } },
    },
  };
  const error = { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code'], properties: { code: { type: 'integer' } } } } };
  const google = fromDiscovery('google', ['mini-discovery.json'], [discovery], error);
  const check = (x: Partial<Exchange>) => checkExchange(google, exchange({ path: '/admin/directory/v1/users', responseBody: { users: [] }, ...x })).problems;

  it("reads methods, string bounds, the document's global parameters and schema references", () => {
    expect(check({ query: { maxResults: ['500'], prettyPrint: ['false'] }, responseBody: { users: [{ id: '1', suspended: false }], nextPageToken: 'p2' } })).toEqual([]);
    expect(check({ query: { maxResults: ['501'] } })[0]).toContain('must be <= 500');
    expect(check({ responseBody: { users: [{ id: '1', suspended: 'no' }] } })[0]).toContain('/users/0/suspended must be boolean');
    expect(check({ method: 'DELETE', path: '/admin/directory/v1/users/1', status: 204, responseBody: undefined })).toEqual([]);
    expect(check({ status: 403, responseBody: { error: { code: 403 } } })).toEqual([]);
    expect(check({ status: 403, responseBody: { message: 'no' } })[0]).toContain("must have required property 'error'");
  });
});

describe('contract checks against RFC 7643 and RFC 7644', () => {
  const attr = (name: string, type: string, extra: object = {}) => ({ name, type, multiValued: false, ...extra });
  const schemas = [
    {
      id: 'urn:ietf:params:scim:schemas:core:2.0:User',
      attributes: [
        attr('userName', 'string', { required: true }),
        attr('active', 'boolean'),
        attr('emails', 'complex', { multiValued: true, subAttributes: [attr('value', 'string')] }),
      ],
    },
    {
      id: 'urn:ietf:params:scim:schemas:core:2.0:Group',
      attributes: [attr('displayName', 'string'), attr('members', 'complex', { multiValued: true, subAttributes: [attr('value', 'string')] })],
    },
    { id: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attributes: [attr('employeeNumber', 'string')] },
    { id: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig', attributes: [attr('patch', 'complex', { subAttributes: [attr('supported', 'boolean')] })] },
  ] as Parameters<typeof scimDefinition>[1];
  const scim = scimDefinition(['mini-7643.json'], schemas);
  const check = (x: Partial<Exchange>) => checkExchange(scim, exchange({ responseHeaders: { 'content-type': 'application/scim+json' }, ...x })).problems;
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: '1',
    userName: 'a@acme.com',
    active: true,
    meta: { resourceType: 'User', location: 'https://x/Users/1' },
  };

  it('finds the endpoint under any mount point, and checks list answers, resources and messages', () => {
    const list = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: [user] };
    expect(check({ path: '/scim/v2/Users', query: { filter: ['userName eq "a@acme.com"'], startIndex: ['1'], count: ['100'] }, responseBody: list })).toEqual([]);
    expect(check({ path: '/Users', query: { count: ['-1'] }, responseBody: list })[0]).toContain('must be >= 0');
    expect(check({ path: '/Users', responseBody: { ...list, totalResults: undefined } })[0]).toContain("must have required property 'totalResults'");
    expect(check({ path: '/Users', responseBody: { ...list, Resources: [{ ...user, nickName: 'x' }] } })[0]).toContain('carries /Resources/0/nickName');
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: false }] };
    expect(
      check({ method: 'PATCH', path: '/Users/1', requestHeaders: { 'content-type': 'application/scim+json' }, requestBody: patch, status: 204, responseBody: undefined }),
    ).toEqual([]);
    const removeWithoutPath = { ...patch, Operations: [{ op: 'remove' }] };
    expect(
      check({
        method: 'PATCH',
        path: '/Users/1',
        requestHeaders: { 'content-type': 'application/scim+json' },
        requestBody: removeWithoutPath,
        status: 204,
        responseBody: undefined,
      })[0],
    ).toContain("must have required property 'path'");
    const error = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness', detail: 'taken' };
    expect(
      check({
        method: 'POST',
        path: '/Users',
        requestHeaders: { 'content-type': 'application/scim+json' },
        requestBody: { schemas: user.schemas, userName: 'a' },
        status: 409,
        responseBody: error,
      }),
    ).toEqual([]);
    expect(check({ path: '/Users/1', status: 404, responseBody: { ...error, status: 404 } })[0]).toContain('/status must be string');
  });
});
