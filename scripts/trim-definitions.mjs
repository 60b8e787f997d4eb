// Writes a vendor's API definition into the definitions folder (<dir>/<vendor>/) from the vendor's
// full published file, keeping only the operations listed in test/contracts/sources/<vendor>/keep.json
// and everything they reference, in the vendor's own format and key order. The definitions are the
// vendors' data and stay out of the repository: the folder is $LOCKSTEP_VENDOR_API_DIR, or
// .vendor-api/ in the checkout (ignored by git), as test/contracts/vendors.ts reads them.
//
//   node scripts/trim-definitions.mjs <vendor> <full-definition-file>
//
// vendor: okta | graph | kubernetes (OpenAPI 3), google (discovery document), scim (RFC 7643 text).
// OpenAPI keep.json: [{ "method": "GET", "path": "/api/v1/users/{id}" }, ...] in the definition's path
// syntax; discovery keep.json: ["directory.users.list", ...] (method ids). Running the script on a file it
// wrote gives the same bytes; every local $ref in its output resolves inside the output.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function fail(message) {
  console.error(`trim-definitions: ${message}`);
  process.exit(1);
}

function readDefinition(file) {
  const text = readFileSync(file, 'utf8');
  if (/\.ya?ml$/i.test(file)) return YAML.parse(text, { maxAliasCount: -1 });
  return JSON.parse(text);
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls visit on every object inside node, node included. */
function eachObject(node, visit) {
  if (Array.isArray(node)) for (const item of node) eachObject(item, visit);
  else if (isObject(node)) {
    visit(node);
    for (const value of Object.values(node)) eachObject(value, visit);
  }
}

function pointerSegments(ref) {
  return ref
    .slice(2)
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3

/** The kept document: kept operations, their path items' other fields, and the closure of what they reference. */
function trimOpenApi(doc, keep) {
  const keptPaths = new Map(); // path -> Set of lower-case methods
  for (const { method, path } of keep) {
    const m = method.toLowerCase();
    if (!isObject(doc.paths?.[path]) || !isObject(doc.paths[path][m])) fail(`${method} ${path} is not in the definition`);
    if (!keptPaths.has(path)) keptPaths.set(path, new Set());
    keptPaths.get(path).add(m);
  }

  const paths = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    const methods = keptPaths.get(path);
    if (!methods) continue;
    const out = {};
    for (const [key, value] of Object.entries(item)) if (!HTTP_METHODS.includes(key) || methods.has(key)) out[key] = value;
    paths[path] = out;
  }

  // The closure of component references, and the tags and security schemes the kept operations name.
  const components = doc.components ?? {};
  const used = new Map(); // section -> Set of names
  const usedTags = new Set();
  const pending = [];
  const mark = (section, name) => {
    if (!used.has(section)) used.set(section, new Set());
    const names = used.get(section);
    if (names.has(name)) return;
    if (!isObject(components[section]) || !(name in components[section])) fail(`#/components/${section}/${name} is referenced but not defined`);
    names.add(name);
    pending.push(components[section][name]);
  };
  const markRef = (ref) => {
    if (!ref.startsWith('#/')) return; // a reference outside the document is left as the vendor wrote it
    const segments = pointerSegments(ref);
    if (segments[0] !== 'components' || segments.length < 3) fail(`${ref}: only references into #/components are followed`);
    mark(segments[1], segments[2]);
  };
  const markSecurity = (requirements) => {
    if (Array.isArray(requirements)) for (const r of requirements) if (isObject(r)) for (const name of Object.keys(r)) mark('securitySchemes', name);
  };
  const scan = (node) =>
    eachObject(node, (o) => {
      if (typeof o.$ref === 'string') markRef(o.$ref);
      if (isObject(o.discriminator) && isObject(o.discriminator.mapping))
        for (const target of Object.values(o.discriminator.mapping))
          if (typeof target === 'string') markRef(target.startsWith('#') || target.includes('/') ? target : `#/components/schemas/${target}`);
    });

  markSecurity(doc.security);
  for (const item of Object.values(paths)) {
    scan(item);
    for (const m of HTTP_METHODS) {
      if (!isObject(item[m])) continue;
      markSecurity(item[m].security);
      for (const tag of item[m].tags ?? []) usedTags.add(tag);
    }
  }
  while (pending.length > 0) scan(pending.pop());

  const out = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'paths') out.paths = paths;
    else if (key === 'components') {
      const kept = {};
      for (const [section, entries] of Object.entries(value)) {
        const names = used.get(section);
        if (!names || !isObject(entries)) continue;
        kept[section] = Object.fromEntries(Object.entries(entries).filter(([name]) => names.has(name)));
      }
      out.components = kept;
    } else if (key === 'tags' && Array.isArray(value)) out.tags = value.filter((t) => usedTags.has(t?.name));
    else if (key === 'x-tagGroups' && Array.isArray(value))
      out[key] = value.map((g) => ({ ...g, tags: (g.tags ?? []).filter((t) => usedTags.has(t)) })).filter((g) => g.tags.length > 0);
    else if (key === 'webhooks' || key === 'x-webhooks') continue;
    else out[key] = value;
  }
  return out;
}

const canonical = (v) => JSON.stringify(v);

/**
 * One document from several that describe parts of one API (Microsoft Graph's per-module OpenAPI
 * documents): the first document's fields, with the paths, methods, components and tags of the others
 * added after its own. Something defined twice must be defined the same way.
 */
function mergeOpenApi(docs) {
  const [first, ...rest] = docs;
  if (rest.length === 0) return first;
  const out = structuredClone(first);
  out.paths ??= {};
  out.components ??= {};
  for (const doc of rest) {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      if (!out.paths[path]) out.paths[path] = {};
      for (const [key, value] of Object.entries(item)) {
        const mine = out.paths[path][key];
        if (mine === undefined) out.paths[path][key] = value;
        else if (canonical(mine) !== canonical(value)) fail(`${path} ${key} differs between the definition files`);
      }
    }
    for (const [section, entries] of Object.entries(doc.components ?? {})) {
      out.components[section] ??= {};
      for (const [name, value] of Object.entries(entries)) {
        const mine = out.components[section][name];
        if (mine === undefined) out.components[section][name] = value;
        else if (canonical(mine) !== canonical(value)) fail(`#/components/${section}/${name} differs between the definition files`);
      }
    }
    if (Array.isArray(doc.tags)) {
      out.tags ??= [];
      for (const tag of doc.tags) if (!out.tags.some((t) => t.name === tag.name)) out.tags.push(tag);
    }
  }
  return out;
}

/** The file name a Kubernetes group document is kept under: rbac.authorization.k8s.io_v1.json. */
function kubernetesFileName(doc) {
  for (const path of Object.keys(doc.paths ?? {})) {
    const m = /^\/apis\/([^/]+)\/([^/]+)\//.exec(path);
    if (m) return `${m[1]}_${m[2]}.json`;
  }
  fail('no /apis/<group>/<version>/ path in the definition');
}

// ---------------------------------------------------------------------------------------------
// Google discovery documents

function discoveryMethodIds(node, ids = []) {
  for (const method of Object.values(node.methods ?? {})) if (typeof method.id === 'string') ids.push(method.id);
  for (const resource of Object.values(node.resources ?? {})) discoveryMethodIds(resource, ids);
  return ids;
}

function trimDiscovery(doc, keepIds) {
  const present = new Set(discoveryMethodIds(doc));
  const prefixes = new Set([...present].map((id) => id.split('.')[0]));
  const wanted = new Set(keepIds.filter((id) => prefixes.has(id.split('.')[0])));
  for (const id of wanted) if (!present.has(id)) fail(`method ${id} is not in the definition`);
  if (wanted.size === 0) fail(`keep.json names no method of ${doc.id}`);

  const usedSchemas = new Set();
  const pending = [];
  const scan = (node) =>
    eachObject(node, (o) => {
      if (typeof o.$ref !== 'string' || usedSchemas.has(o.$ref)) return;
      if (!isObject(doc.schemas?.[o.$ref])) fail(`schema ${o.$ref} is referenced but not defined`);
      usedSchemas.add(o.$ref);
      pending.push(doc.schemas[o.$ref]);
    });

  const trimResource = (node) => {
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'methods') {
        const methods = Object.fromEntries(Object.entries(value).filter(([, m]) => wanted.has(m.id)));
        if (Object.keys(methods).length > 0) out.methods = methods;
      } else if (key === 'resources') {
        const resources = {};
        for (const [name, resource] of Object.entries(value)) {
          const kept = trimResource(resource);
          if (kept.methods || kept.resources) resources[name] = kept;
        }
        if (Object.keys(resources).length > 0) out.resources = resources;
      } else out[key] = value;
    }
    return out;
  };

  const trimmed = trimResource(doc);
  for (const [key, value] of Object.entries(trimmed)) if (key !== 'schemas') scan(value);
  while (pending.length > 0) scan(pending.pop());
  if (isObject(doc.schemas)) trimmed.schemas = Object.fromEntries(Object.entries(doc.schemas).filter(([name]) => usedSchemas.has(name)));
  // trimResource kept every top-level key in place; schemas are replaced in that same place.
  return Object.fromEntries(
    Object.keys(doc)
      .filter((k) => k in trimmed)
      .map((k) => [k, trimmed[k]]),
  );
}

// ---------------------------------------------------------------------------------------------
// SCIM: the schema representations of RFC 7643 sections 8.7.1 and 8.7.2

/** The RFC's text without its page breaks: the footer, the form feed and the next page's header. */
function rfcBody(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out = [];
  for (const line of lines) {
    if (/^\s*\f?\s*RFC 7643\s+SCIM Core Schema\s+September 2015\s*$/.test(line)) continue;
    if (/^Hunt, et al\.\s+Standards Track\s+\[Page \d+\]\s*$/.test(line)) continue;
    if (/^\s*\f\s*$/.test(line)) continue;
    out.push(line.replace(/\f/g, ''));
  }
  return out;
}

/** The JSON array printed after a section heading: from its first "[" line to the "]" line at the same indent. */
function rfcSectionArray(lines, heading) {
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) fail(`no section "${heading}" in the RFC text`);
  const open = lines.findIndex((l, i) => i > at && l.trim() === '[');
  if (open < 0) fail(`no JSON array after "${heading}"`);
  const indent = lines[open].indexOf('[');
  const close = lines.findIndex((l, i) => i > open && l.trim() === ']' && l.indexOf(']') === indent);
  if (close < 0) fail(`the JSON array after "${heading}" does not close`);
  // The RFC wraps long strings onto lines of their own; a line break inside a string reads as a space.
  const json = lines
    .slice(open, close + 1)
    .map((l) => l.trim())
    .join(' ');
  try {
    return JSON.parse(json);
  } catch (e) {
    return fail(`the JSON array after "${heading}" does not parse: ${e.message}`);
  }
}

function scimSchemas(file) {
  const text = readFileSync(file, 'utf8');
  if (/^\s*\[/.test(text)) return JSON.parse(text); // already extracted
  const lines = rfcBody(text);
  return [...rfcSectionArray(lines, '8.7.1.  Resource Schema Representation'), ...rfcSectionArray(lines, '8.7.2.  Service Provider Schema Representation')];
}

// ---------------------------------------------------------------------------------------------

const [vendor, input, ...moreInputs] = process.argv.slice(2);
if (!vendor || !input) fail('usage: node scripts/trim-definitions.mjs <okta|graph|google|kubernetes|scim> <full-definition-file> [more Graph module files]');
if (moreInputs.length > 0 && vendor !== 'graph') fail('only graph takes more than one definition file');
const sources = join(ROOT, 'test', 'contracts', 'sources', vendor);
const keep = () => JSON.parse(readFileSync(join(sources, 'keep.json'), 'utf8'));
const folder = join(process.env.LOCKSTEP_VENDOR_API_DIR || join(ROOT, '.vendor-api'), vendor);

let file;
let result;
switch (vendor) {
  case 'okta':
    file = 'management.json';
    result = trimOpenApi(readDefinition(input), keep());
    break;
  case 'graph':
    file = 'openapi.json';
    result = trimOpenApi(mergeOpenApi([input, ...moreInputs].map(readDefinition)), keep());
    break;
  case 'kubernetes': {
    const doc = readDefinition(input);
    file = kubernetesFileName(doc);
    const prefix = `/apis/${file.slice(0, -'.json'.length).replace(/_([^_]+)$/, '/$1')}/`;
    result = trimOpenApi(
      doc,
      keep().filter((k) => k.path.startsWith(prefix)),
    );
    break;
  }
  case 'google': {
    const doc = readDefinition(input);
    file = `${doc.name}-${doc.version}.json`;
    result = trimDiscovery(doc, keep());
    break;
  }
  case 'scim':
    file = 'rfc7643-schemas.json';
    result = scimSchemas(input);
    break;
  default:
    fail(`unknown vendor ${vendor}`);
}

mkdirSync(folder, { recursive: true });
const target = join(folder, file);
writeFileSync(target, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${target}`);
