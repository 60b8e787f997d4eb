import { randomUUID } from 'node:crypto';
import type { Revision } from './store.js';
import { alreadyExists, ApiStatusError, conflict, invalid, notFound } from './status.js';

/**
 * `coordination.k8s.io/v1` Leases, the lock leader election takes: create (409 when it
 * exists), get, replace (409 when `metadata.resourceVersion` is stale; an empty one is an
 * unconditional update, as for Leases on the API server) and delete. `acquireTime` and
 * `renewTime` are MicroTime: RFC 3339 with exactly six fractional digits; any other
 * format is refused with 400 BadRequest, as the server's decoder does.
 */
export const COORDINATION_GROUP = 'coordination.k8s.io';

export interface Lease {
  apiVersion: string;
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string; [k: string]: unknown };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
    [k: string]: unknown;
  };
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class LeaseStore {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly revision: Revision) {}

  list(namespace: string): Lease[] {
    return [...this.leases.values()].filter((l) => l.metadata.namespace === namespace).map((l) => structuredClone(l));
  }

  get(namespace: string, name: string): Lease {
    const l = this.leases.get(`${namespace}/${name}`);
    if (!l) throw notFound('leases', COORDINATION_GROUP, name);
    return structuredClone(l);
  }

  create(namespace: string, body: unknown): Lease {
    const input = checked(body, namespace);
    const name = input.metadata.name;
    if (typeof name !== 'string' || !NAME.test(name) || name.length > 253) {
      throw invalid('Lease', COORDINATION_GROUP, String(name ?? ''), 'metadata.name', 'Required value: name is required and must be a lowercase RFC 1123 subdomain');
    }
    if (this.leases.has(`${namespace}/${name}`)) throw alreadyExists('leases', COORDINATION_GROUP, name);
    return this.store(namespace, name, input, { uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
  }

  replace(namespace: string, name: string, body: unknown): Lease {
    const input = checked(body, namespace);
    if (input.metadata.name !== undefined && input.metadata.name !== name) {
      throw new ApiStatusError(400, 'BadRequest', `the name of the object (${String(input.metadata.name)}) does not match the name on the URL (${name})`);
    }
    const current = this.get(namespace, name);
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw conflict('leases', COORDINATION_GROUP, name);
    return this.store(namespace, name, input, { uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp });
  }

  delete(namespace: string, name: string): Lease {
    const current = this.get(namespace, name);
    this.leases.delete(`${namespace}/${name}`);
    this.revision.next();
    return current;
  }

  private store(
    namespace: string,
    name: string,
    input: { metadata: Record<string, unknown>; spec: Lease['spec'] },
    keep: { uid: string; creationTimestamp: string },
  ): Lease {
    const lease: Lease = {
      apiVersion: `${COORDINATION_GROUP}/v1`,
      kind: 'Lease',
      metadata: { ...input.metadata, name, namespace, ...keep, resourceVersion: this.revision.next() },
      spec: input.spec,
    };
    this.leases.set(`${namespace}/${name}`, lease);
    return structuredClone(lease);
  }
}

/** The decoder's and validation's checks of a Lease body. */
function checked(body: unknown, namespace: string): { metadata: Record<string, unknown>; spec: Lease['spec'] } {
  if (!body || typeof body !== 'object') throw new ApiStatusError(400, 'BadRequest', 'the body of the request was in an unknown format');
  const b = body as { kind?: unknown; metadata?: unknown; spec?: unknown };
  if (b.kind !== undefined && b.kind !== 'Lease') throw new ApiStatusError(400, 'BadRequest', `the kind of the object (${String(b.kind)}) does not match Lease`);
  const metadata = { ...((b.metadata ?? {}) as Record<string, unknown>) };
  if (metadata['namespace'] !== undefined && metadata['namespace'] !== namespace) {
    throw new ApiStatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const spec = { ...((b.spec ?? {}) as Lease['spec']) };
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const v = spec[field];
    if (v === undefined || v === null) {
      delete spec[field];
      continue;
    }
    if (typeof v !== 'string' || !MICRO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
      throw new ApiStatusError(
        400,
        'BadRequest',
        `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC 3339 with microseconds (spec.${field})`,
      );
    }
  }
  const name = String(metadata['name'] ?? '');
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && (!Number.isInteger(d) || d <= 0)) {
    throw invalid('Lease', COORDINATION_GROUP, name, 'spec.leaseDurationSeconds', `Invalid value: ${String(d)}: must be greater than 0`);
  }
  const t = spec.leaseTransitions;
  if (t !== undefined && (!Number.isInteger(t) || t < 0)) {
    throw invalid('Lease', COORDINATION_GROUP, name, 'spec.leaseTransitions', `Invalid value: ${String(t)}: must be greater than or equal to 0`);
  }
  return { metadata, spec };
}
