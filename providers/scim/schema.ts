/**
 * The SCIM 2.0 wire shapes (RFC 7643 resources, RFC 7644 messages) for the subset
 * Lockstep reads and writes. Servers may send more attributes; readers ignore them.
 */

export const SCIM_URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  /** Lockstep's own extension carrying the last sign-in, which SCIM core lacks (emulator only). */
  activity: 'urn:lockstep:params:scim:schemas:extension:activity:2.0:User',
} as const;

export const SCIM_CONTENT_TYPE = 'application/scim+json';

export interface ScimMeta {
  resourceType?: string;
  created?: string;
  lastModified?: string;
  location?: string;
  /** The entity tag of this version (RFC 7644 §3.14), usually `W/"..."`. */
  version?: string;
}

export interface ScimEmail {
  value?: string;
  type?: string;
  primary?: boolean;
  display?: string;
}

export interface ScimUser {
  schemas?: string[];
  id: string;
  externalId?: string;
  userName?: string;
  displayName?: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  /** Absent means active (RFC 7643 §4.1.1 gives no default; servers omit it for enabled users). */
  active?: boolean;
  emails?: ScimEmail[];
  meta?: ScimMeta;
  [extension: string]: unknown;
}

export interface ScimMember {
  value?: string;
  display?: string;
  type?: string;
  $ref?: string;
}

export interface ScimGroup {
  schemas?: string[];
  id: string;
  externalId?: string;
  displayName?: string;
  members?: ScimMember[];
  meta?: ScimMeta;
}

export interface ScimListResponse<T> {
  schemas?: string[];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources?: T[];
}

export interface ScimPatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

export interface ScimPatchRequest {
  schemas: [typeof SCIM_URN.patchOp];
  Operations: ScimPatchOperation[];
}

/** RFC 7644 §3.12 error body; `status` is a string on the wire. */
export interface ScimErrorBody {
  schemas: [typeof SCIM_URN.error];
  status: string;
  scimType?: string;
  detail?: string;
}

export function patchRequest(...operations: ScimPatchOperation[]): ScimPatchRequest {
  return { schemas: [SCIM_URN.patchOp], Operations: operations };
}

export function errorBody(status: number, detail: string, scimType?: string): ScimErrorBody {
  return { schemas: [SCIM_URN.error], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** A string literal for a SCIM filter (RFC 7644 §3.4.2.2 uses JSON string syntax). */
export function filterString(value: string): string {
  return JSON.stringify(value);
}
