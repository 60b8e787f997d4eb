import { FilterSyntaxError, getAttr, matchesFilter, parseFilter, stripCoreUrn, type FilterNode } from './filter.js';
import { SCIM_URN } from '../schema.js';

/** An answer the emulator gives as a SCIM error body (RFC 7644 §3.12). */
export class ScimRequestError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

type Json = Record<string, unknown>;

interface PatchPath {
  /** Extension schema URN holding the attribute, if any. */
  ext?: string;
  attr: string;
  filter?: FilterNode;
  sub?: string;
}

const PATH = /^([A-Za-z$][\w$-]*)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/s;

function parsePath(raw: string): PatchPath {
  let p = stripCoreUrn(raw.trim());
  let ext: string | undefined;
  if (p.toLowerCase().startsWith('urn:')) {
    const bracket = p.indexOf('[');
    const cut = p.lastIndexOf(':', bracket < 0 ? p.length : bracket);
    ext = p.slice(0, cut);
    p = p.slice(cut + 1);
  }
  const m = PATH.exec(p);
  if (!m?.[1]) throw new ScimRequestError(400, 'invalidPath', `invalid path "${raw}"`);
  let filter: FilterNode | undefined;
  if (m[2] !== undefined) {
    try {
      filter = parseFilter(m[2]);
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new ScimRequestError(400, 'invalidPath', `invalid filter in path "${raw}": ${e.message}`);
      throw e;
    }
  }
  return { ...(ext ? { ext } : {}), attr: m[1], ...(filter ? { filter } : {}), ...(m[3] ? { sub: m[3] } : {}) };
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function keyOf(obj: Json, name: string): string {
  return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

function child(obj: Json, name: string): Json {
  const key = keyOf(obj, name);
  const v = obj[key];
  if (isObject(v)) return v;
  const created: Json = {};
  obj[key] = created;
  return created;
}

/** Multi-valued items are the same when their `value` (or, lacking one, their JSON) is equal. */
function sameItem(a: unknown, b: unknown): boolean {
  const va = getAttr(a, 'value');
  const vb = getAttr(b, 'value');
  if (va !== undefined || vb !== undefined) return va === vb;
  return JSON.stringify(a) === JSON.stringify(b);
}

function addAttr(obj: Json, name: string, value: unknown): void {
  const key = keyOf(obj, name);
  const existing = obj[key];
  if (Array.isArray(existing) || Array.isArray(value)) {
    const list = Array.isArray(existing) ? [...existing] : existing === undefined ? [] : [existing];
    for (const item of Array.isArray(value) ? value : [value]) if (!list.some((x) => sameItem(x, item))) list.push(item);
    obj[key] = list;
  } else if (isObject(existing) && isObject(value)) {
    for (const [k, v] of Object.entries(value)) addAttr(existing, k, v);
  } else {
    obj[key] = value;
  }
}

function matching(container: Json, path: PatchPath): { list: unknown[]; hits: number[] } {
  const list = getAttr(container, path.attr);
  const items = Array.isArray(list) ? list : [];
  const hits = items.flatMap((item, i) => (path.filter && matchesFilter(path.filter, item, `${path.attr}.`) ? [i] : []));
  if (hits.length === 0) throw new ScimRequestError(400, 'noTarget', `no value matches the path filter on "${path.attr}"`);
  return { list: items, hits };
}

function withoutPath(resource: Json, value: unknown, apply: (obj: Json, k: string, v: unknown) => void): void {
  if (!isObject(value)) throw new ScimRequestError(400, 'invalidValue', 'an operation without a path needs an object value');
  for (const [k, v] of Object.entries(value)) {
    if (k.toLowerCase().startsWith('urn:') && isObject(v)) {
      if (k === SCIM_URN.user || k === SCIM_URN.group) withoutPath(resource, v, apply);
      else for (const [ek, ev] of Object.entries(v)) apply(child(resource, k), ek, ev);
    } else if (k !== 'schemas') {
      apply(resource, k, v);
    }
  }
}

function add(resource: Json, path: PatchPath, value: unknown): void {
  const container = path.ext ? child(resource, path.ext) : resource;
  if (path.filter) {
    const { list, hits } = matching(container, path);
    for (const i of hits) {
      const item = list[i];
      if (path.sub && isObject(item)) item[keyOf(item, path.sub)] = value;
      else if (isObject(item) && isObject(value)) Object.assign(item, value);
    }
  } else if (path.sub) {
    addAttr(child(container, path.attr), path.sub, value);
  } else {
    addAttr(container, path.attr, value);
  }
}

function replace(resource: Json, path: PatchPath, value: unknown): void {
  const container = path.ext ? child(resource, path.ext) : resource;
  if (path.filter) {
    const { list, hits } = matching(container, path);
    for (const i of hits) {
      const item = list[i];
      if (path.sub && isObject(item)) item[keyOf(item, path.sub)] = value;
      else list[i] = value;
    }
    container[keyOf(container, path.attr)] = list;
  } else if (path.sub) {
    const obj = child(container, path.attr);
    obj[keyOf(obj, path.sub)] = value;
  } else {
    container[keyOf(container, path.attr)] = value;
  }
}

function remove(resource: Json, path: PatchPath, value: unknown): void {
  const container = path.ext ? child(resource, path.ext) : resource;
  const key = keyOf(container, path.attr);
  if (path.filter) {
    const { list, hits } = matching(container, path);
    if (path.sub) {
      for (const i of hits) if (isObject(list[i])) delete list[i][keyOf(list[i], path.sub)];
      return;
    }
    const kept = list.filter((_, i) => !hits.includes(i));
    if (kept.length) container[key] = kept;
    else delete container[key];
  } else if (path.sub) {
    const obj = container[key];
    if (isObject(obj)) delete obj[keyOf(obj, path.sub)];
  } else if (value !== undefined && Array.isArray(container[key])) {
    // Removing listed values from a multi-valued attribute (a widely used form, e.g. by Entra ID).
    const drop = Array.isArray(value) ? value : [value];
    const kept = (container[key] as unknown[]).filter((x) => !drop.some((d) => sameItem(x, d)));
    if (kept.length) container[key] = kept;
    else delete container[key];
  } else {
    delete container[key];
  }
}

/**
 * Applies a PatchOp request (RFC 7644 §3.5.2) to a copy of a resource and returns it.
 * Errors leave the original untouched (PATCH is atomic).
 */
export function applyPatch(resource: Json, request: unknown): Json {
  if (!isObject(request)) throw new ScimRequestError(400, 'invalidSyntax', 'PATCH body must be a PatchOp message');
  const schemas = request['schemas'];
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_URN.patchOp)) {
    throw new ScimRequestError(400, 'invalidSyntax', `PATCH body must declare schema ${SCIM_URN.patchOp}`);
  }
  const operations = request['Operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimRequestError(400, 'invalidSyntax', 'PATCH body needs Operations');
  const copy = structuredClone(resource);
  for (const raw of operations) {
    if (!isObject(raw)) throw new ScimRequestError(400, 'invalidSyntax', 'each operation must be an object');
    const op = String(raw['op'] ?? '').toLowerCase();
    const path = typeof raw['path'] === 'string' && raw['path'] !== '' ? parsePath(raw['path']) : undefined;
    const value = raw['value'];
    if (op === 'add' || op === 'replace') {
      if (value === undefined) throw new ScimRequestError(400, 'invalidValue', `"${op}" needs a value`);
      if (!path) withoutPath(copy, value, op === 'add' ? addAttr : (o, k, v) => (o[keyOf(o, k)] = v));
      else (op === 'add' ? add : replace)(copy, path, value);
    } else if (op === 'remove') {
      if (!path) throw new ScimRequestError(400, 'noTarget', '"remove" needs a path');
      remove(copy, path, value);
    } else {
      throw new ScimRequestError(400, 'invalidSyntax', `unknown operation "${String(raw['op'])}"`);
    }
  }
  return copy;
}
