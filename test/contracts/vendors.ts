import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromDiscovery, fromOpenApi, type ApiDefinition } from './definition.js';
import { scimDefinition } from './scim.js';
import type { Schema } from './schema.js';

/**
 * Each vendor's published API definition, trimmed by scripts/trim-definitions.mjs to the
 * operations in test/contracts/sources/<vendor>/keep.json (SOURCE.md there says where
 * each comes from and how to get it), read into the form the contract checks use. The
 * definitions are the vendors' data, kept outside the repository: in
 * $LOCKSTEP_VENDOR_API_DIR, or .vendor-api/ in the checkout (ignored by git), or
 * ../shared/vendor-api beside it. Without them the checks say so and are skipped.
 */
export const VENDORS = ['okta', 'graph', 'google', 'kubernetes', 'scim'] as const;
export type Vendor = (typeof VENDORS)[number];

const ROOT = join(import.meta.dirname, '..', '..');

/** The folder holding the definitions, or undefined when there is none. */
export function definitionsDir(): string | undefined {
  const candidates = [process.env['LOCKSTEP_VENDOR_API_DIR'], join(ROOT, '.vendor-api'), join(ROOT, '..', 'shared', 'vendor-api')];
  return candidates.find((d): d is string => Boolean(d) && existsSync(d!));
}

/** The definition's files are all there. */
export function hasDefinition(vendor: Vendor): boolean {
  const dir = definitionsDir();
  return dir !== undefined && DEFINITION_FILES[vendor].every((f) => existsSync(join(dir, f)));
}

export const DEFINITION_FILES: Record<Vendor, string[]> = {
  okta: ['okta/management.json'],
  graph: ['graph/openapi.json'],
  google: ['google/admin-directory_v1.json', 'google/admin-datatransfer_v1.json'],
  kubernetes: ['kubernetes/rbac.authorization.k8s.io_v1.json', 'kubernetes/coordination.k8s.io_v1.json'],
  scim: ['scim/rfc7643-schemas.json'],
};

/**
 * Google's JSON error body, which the discovery documents do not describe:
 * https://cloud.google.com/apis/design/errors#http_mapping and
 * https://developers.google.com/workspace/admin/directory/v1/limits (the `errors[].reason`
 * values, e.g. rateLimitExceeded, userRateLimitExceeded).
 */
const GOOGLE_ERROR: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        status: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['reason'],
            properties: {
              message: { type: 'string' },
              domain: { type: 'string' },
              reason: { type: 'string' },
              location: { type: 'string' },
              locationType: { type: 'string' },
            },
          },
        },
        details: { type: 'array' },
      },
    },
  },
};

/**
 * Graph's module documents mark every schema `additionalProperties: {type: object}`, the
 * SDK generators' sign for a bag of extra data; under `allOf` it would type the base
 * type's own properties (`id`) as objects. Dropped: the schemas' properties are what
 * Graph documents, and OData instance annotations (`@odata.type`) are allowed anyway.
 */
function withoutAdditionalData(doc: Schema): Schema {
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) s.forEach(visit);
    else if (s && typeof s === 'object') {
      const o = s as Schema;
      const extra = o['additionalProperties'] as Schema | undefined;
      if (extra && typeof extra === 'object' && extra['type'] === 'object' && Object.keys(extra).length === 1) delete o['additionalProperties'];
      Object.values(o).forEach(visit);
    }
  };
  visit(doc);
  return doc;
}

function read(file: string): Schema {
  const dir = definitionsDir();
  if (!dir) throw new Error(`no vendor API definitions: set LOCKSTEP_VENDOR_API_DIR (see test/contracts/sources/README.md)`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Schema;
}

export function loadDefinition(vendor: Vendor): ApiDefinition {
  const files = DEFINITION_FILES[vendor];
  const docs = files.map(read);
  switch (vendor) {
    case 'okta':
      return fromOpenApi(vendor, files, docs, { errorSchema: '#/components/schemas/Error' });
    case 'graph':
      return fromOpenApi(vendor, files, docs.map(withoutAdditionalData), {
        basePath: '/v1.0',
        errorSchema: '#/components/schemas/microsoft.graph.ODataErrors.ODataError',
      });
    case 'kubernetes':
      // Every error is a Status (https://kubernetes.io/docs/reference/using-api/api-concepts/#responses-from-a-server);
      // the operations list only their successes and 401.
      return fromOpenApi(vendor, files, docs, { errorSchema: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status' });
    case 'google':
      return fromDiscovery(vendor, files, docs, GOOGLE_ERROR);
    case 'scim':
      return scimDefinition(files, docs[0] as unknown as Parameters<typeof scimDefinition>[1]);
  }
}
