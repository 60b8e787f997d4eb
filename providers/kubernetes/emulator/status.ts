/**
 * `metav1.Status`, the body of every API server error: `kind: Status`, `status: Failure`,
 * a `reason` from the published StatusReason list, the HTTP `code` and a message.
 */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message: string; field?: string }[];
}

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** `metadata.continue` of the Status: a 410 Expired list carries a fresh token hint. */
    readonly continueHint?: string,
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }

  body(): Record<string, unknown> {
    return statusBody(this.code, this.reason, this.message, this.details, this.continueHint);
  }
}

export function statusBody(code: number, reason: string, message: string, details?: StatusDetails, continueHint?: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: continueHint ? { continue: continueHint } : {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
}

/** The StatusReason the API server gives for a status code it answers with. */
export function reasonFor(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
}

export const notFound = (resource: string, group: string, name: string): ApiStatusError =>
  new ApiStatusError(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, { name, group, kind: resource });

/**
 * A write whose metadata.resourceVersion is no longer the object's: 409, reason Conflict
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions, and
 * the optimistic concurrency of https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency).
 */
export const conflict = (resource: string, group: string, name: string): ApiStatusError =>
  new ApiStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );

export const alreadyExists = (resource: string, group: string, name: string): ApiStatusError =>
  new ApiStatusError(409, 'AlreadyExists', `${resource}.${group} "${name}" already exists`, { name, group, kind: resource });

export const invalid = (kind: string, group: string, name: string, field: string, message: string): ApiStatusError =>
  new ApiStatusError(422, 'Invalid', `${kind}.${group} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group,
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
