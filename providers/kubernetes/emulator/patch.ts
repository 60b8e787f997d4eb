import { isDeepStrictEqual } from 'node:util';
import { ApiStatusError } from './status.js';

/**
 * The patch formats the API server accepts on a PATCH, as it applies them: JSON Patch
 * (RFC 6902, `application/json-patch+json`), whose failed `test` answers 422 Invalid,
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) and strategic merge patch.
 */
type Json = unknown;
interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

const bad = (message: string): ApiStatusError => new ApiStatusError(400, 'BadRequest', message);
/** A patch that parsed but cannot be applied to this object (the API server: 422). */
const unprocessable = (message: string): ApiStatusError => new ApiStatusError(422, 'Invalid', message);

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw bad(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parent(doc: Json, parts: string[], path: string): { container: Record<string, Json> | Json[]; key: string } {
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(node)) node = node[index(part, node.length - 1, path)];
    else if (node && typeof node === 'object' && part in node) node = (node as Record<string, Json>)[part];
    else throw unprocessable(`doc is missing path: "${path}": missing value`);
  }
  if (!node || typeof node !== 'object') throw unprocessable(`doc is missing path: "${path}": missing value`);
  return { container: node as Record<string, Json> | Json[], key: parts.at(-1)! };
}

function index(part: string, max: number, path: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(part)) throw unprocessable(`Unable to access invalid index: ${part} (path ${path})`);
  const i = Number(part);
  if (i > max) throw unprocessable(`Unable to access invalid index: ${i} (path ${path})`);
  return i;
}

function get(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const { container, key } = parent(doc, parts, path);
  if (Array.isArray(container)) return container[index(key, container.length - 1, path)];
  if (!(key in container)) return undefined;
  return container[key];
}

function add(doc: Json, path: string, value: Json): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { container, key } = parent(doc, parts, path);
  if (Array.isArray(container)) container.splice(key === '-' ? container.length : index(key, container.length, path), 0, value);
  else container[key] = value;
  return doc;
}

function remove(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { container, key } = parent(doc, parts, path);
  if (Array.isArray(container)) container.splice(index(key, container.length - 1, path), 1);
  else if (key in container) delete container[key];
  else throw unprocessable(`Unable to remove nonexistent key: ${key}: missing value`);
  return doc;
}

/** Applies RFC 6902 operations to a copy of `doc`; nothing changes unless every one succeeds. */
export function applyJsonPatch<T>(doc: T, patch: unknown): T {
  if (!Array.isArray(patch)) throw bad('the server rejected our request due to an error in our request: a JSON Patch is an array of operations');
  let out: Json = structuredClone(doc);
  for (const raw of patch as Operation[]) {
    if (!raw || typeof raw !== 'object' || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw bad('invalid JSON Patch operation');
    const { op, path } = raw;
    if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in raw)) throw bad(`${op} operation does not apply: missing value`);
    switch (op) {
      case 'add':
        out = add(out, path, structuredClone(raw.value));
        break;
      case 'remove':
        out = remove(out, path);
        break;
      case 'replace':
        if (get(out, path) === undefined) throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        out = add(remove(out, path), path, structuredClone(raw.value));
        break;
      case 'test':
        if (!isDeepStrictEqual(get(out, path), raw.value)) throw unprocessable(`testing value ${path} failed: test failed`);
        break;
      case 'move':
      case 'copy': {
        const value = structuredClone(get(out, raw.from ?? ''));
        if (value === undefined) throw unprocessable(`${op} operation does not apply: doc is missing from path: ${raw.from}`);
        if (op === 'move') out = remove(out, raw.from ?? '');
        out = add(out, path, value);
        break;
      }
      default:
        throw bad(`Unexpected kind: ${op}`);
    }
  }
  return out as T;
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else (lists too) replaces. */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  const merge = (target: Json, p: Json): Json => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return structuredClone(p);
    const base: Record<string, Json> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, Json>) } : {};
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete base[k];
      else base[k] = merge(base[k], v);
    }
    return base;
  };
  return merge(structuredClone(doc), patch) as T;
}

/**
 * Lists a strategic merge patch merges on RBAC objects, with their merge key (null: a list
 * of values, merged as a set). Every other list is replaced whole: RoleBinding and
 * ClusterRoleBinding `subjects` and ClusterRole `rules` declare no `patchStrategy` in
 * k8s.io/api/rbac/v1 types.go.
 */
const MERGED_LISTS: Readonly<Record<string, string | null>> = { 'metadata.finalizers': null, 'metadata.ownerReferences': 'uid' };

const isMap = (x: Json): x is Record<string, Json> => !!x && typeof x === 'object' && !Array.isArray(x);

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as the API server
 * applies it to RBAC objects
 * (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/,
 * directives: https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md):
 * maps merge key by key and `null` deletes; a list merges only where MERGED_LISTS says so,
 * else the patch's list replaces it. A map's `$patch: replace` replaces it and
 * `$patch: delete` deletes it; `$deleteFromPrimitiveList/<field>` removes values from a
 * merged list; `$setElementOrder/<field>` and `$retainKeys` are accepted and not applied.
 */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown): T {
  if (!isMap(patch)) throw bad('the body of the request was in an unknown format: a strategic merge patch is a JSON object');
  return (mergeMap(isMap(doc) ? doc : {}, patch, '') ?? {}) as T;
}

function mergeMap(target: Record<string, Json>, patch: Record<string, Json>, path: string): Record<string, Json> | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'replace' && directive !== 'merge') throw bad(`unknown patch directive: $patch: ${JSON.stringify(directive)}`);
  const out: Record<string, Json> = directive === 'replace' ? {} : structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const field = path ? `${path}.${key}` : key;
    if (value === null) delete out[key];
    else if (isMap(value)) {
      const merged = mergeMap(isMap(out[key]) ? out[key] : {}, value, field);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value) && field in MERGED_LISTS) out[key] = mergeList(Array.isArray(out[key]) ? out[key] : [], value, MERGED_LISTS[field]!, field);
    else out[key] = structuredClone(value);
  }
  for (const [key, value] of Object.entries(patch)) {
    const field = key.startsWith('$deleteFromPrimitiveList/') ? key.slice('$deleteFromPrimitiveList/'.length) : undefined;
    const current = field === undefined ? undefined : out[field];
    if (field !== undefined && Array.isArray(value) && Array.isArray(current)) out[field] = current.filter((x) => !value.some((v) => isDeepStrictEqual(v, x)));
  }
  return out;
}

function mergeList(current: Json[], patch: Json[], mergeKey: string | null, field: string): Json[] {
  const out = structuredClone(current);
  for (const item of patch) {
    if (mergeKey === null) {
      if (!out.some((x) => isDeepStrictEqual(x, item))) out.push(structuredClone(item));
      continue;
    }
    if (!isMap(item) || item[mergeKey] === undefined) throw bad(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey} (${field})`);
    const at = out.findIndex((x) => isMap(x) && isDeepStrictEqual(x[mergeKey], item[mergeKey]));
    const merged = mergeMap(at >= 0 && isMap(out[at]) ? out[at] : {}, item, field);
    if (merged === undefined) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = merged;
    else out.push(merged);
  }
  return out;
}
