import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { InternalError } from '../errors.js';
import type { DocPath } from './model.js';

/**
 * The JSON Schemas of `schemas/`, compiled once into a single ajv instance, registered
 * under their file name (`config.schema.json`, so that `common.schema.json#/definitions/x`
 * refs resolve) and under their short name (`config`). Schemas given as objects (a
 * provider's connection schema, from its module) are compiled by the same instance.
 */

/** One schema violation, ready to be located in the document and printed. */
export interface SchemaIssue {
  /** Path of the offending node (for an unknown key: the key itself). */
  readonly path: DocPath;
  /** Short human message; never contains the offending value, which may be a secret. */
  readonly message: string;
  /** True when the problem is the key at `path` rather than its value (unknown keys). */
  readonly atKey: boolean;
}

// ajv-formats is CommonJS: at runtime the default import is the plugin itself, while its
// typings describe it as `exports.default`.
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as FormatsPlugin;

const here = dirname(fileURLToPath(import.meta.url));

/** The project root holds `schemas/`: two levels up from `src/policy`, three from `dist/src/policy`. */
function findRoot(): string {
  for (const up of ['../..', '../../..']) {
    const root = join(here, up);
    if (existsSync(join(root, 'schemas', 'common.schema.json'))) return root;
  }
  throw new InternalError(`cannot find the schemas folder near ${here}`);
}

function readJson(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(file, 'utf8')) as AnySchemaObject;
}

function createAjv(): Ajv {
  // verbose keeps each failing keyword's schema on the error, which the messages describe.
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv);
  const root = findRoot();
  const schemaDir = join(root, 'schemas');
  const files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  for (const f of files) ajv.addSchema(readJson(join(schemaDir, f)), f);
  return ajv;
}

let shared: Ajv | undefined;
function ajvInstance(): Ajv {
  shared ??= createAjv();
  return shared;
}

const compiled = new Map<string, ValidateFunction>();

/** The compiled validator for `config` or `config.schema.json`; undefined when unknown. */
function validatorFor(schemaName: string): ValidateFunction | undefined {
  const cached = compiled.get(schemaName);
  if (cached) return cached;
  const ajv = ajvInstance();
  const key = schemaName.endsWith('.schema.json') ? schemaName : `${schemaName}.schema.json`;
  const v = ajv.getSchema(key);
  if (v) compiled.set(schemaName, v);
  return v;
}

export function hasSchema(schemaName: string): boolean {
  return validatorFor(schemaName) !== undefined;
}

/** Raw ajv errors of `value` against a schema (empty when valid). */
export function validateWith(schemaName: string, value: unknown): ErrorObject[] {
  const v = validatorFor(schemaName);
  if (!v) throw new InternalError(`no schema named ${schemaName}`);
  return v(value) ? [] : [...(v.errors ?? [])];
}

/** Validates and turns the errors into located, human messages. */
export function schemaIssues(schemaName: string, value: unknown): SchemaIssue[] {
  return describeErrors(validateWith(schemaName, value));
}

const compiledObjects = new WeakMap<object, ValidateFunction>();

/** schemaIssues for a schema given as an object (a provider's connection schema), compiled once. */
export function schemaIssuesAgainst(schema: object, value: unknown): SchemaIssue[] {
  let v = compiledObjects.get(schema);
  if (!v) compiledObjects.set(schema, (v = ajvInstance().compile(schema as AnySchemaObject)));
  return v(value) ? [] : describeErrors([...(v.errors ?? [])]);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const PATTERN_MEANINGS: ReadonlyArray<[string, string]> = [
  ['^[0-9]+(s|m|h|d|w)$', 'must be a duration such as 0h, 15m, 7d or 2w'],
  ['^[^@\\s]+@[^@\\s]+$', 'must be an email address'],
  ['^(\\$\\{(env|file):[^}]+\\})$', 'must be a secret reference, ${env:NAME} or ${file:PATH} (literal secrets are refused)'],
  ['^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$', "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'"],
  ['^[A-Za-z0-9][A-Za-z0-9_-]*$', "must start with a letter or digit and hold only letters, digits, '_' and '-'"],
  ['^[0-9a-f]{16}$', 'must be a change id (16 lowercase hex digits)'],
  ['^https?://', 'must be an http:// or https:// URL'],
  ['^https://', 'must be an https:// URL'],
];

const FORMAT_MEANINGS: Readonly<Record<string, string>> = {
  date: 'a date (2026-12-15)',
  'date-time': 'a date-time with offset (2026-12-15T17:00:00Z)',
};

function describeBranch(schema: unknown): string {
  const s = (schema ?? {}) as AnySchemaObject;
  if (s.const === '') return 'empty';
  if (typeof s.format === 'string') return FORMAT_MEANINGS[s.format] ?? `a ${s.format}`;
  if (typeof s.$ref === 'string') {
    if (s.$ref.endsWith('/email')) return 'an email address';
    return s.$ref.replace(/^.*\//, 'a ');
  }
  if (s.type === 'array') {
    const of = (s.items as AnySchemaObject | undefined)?.type === 'string' ? ' of strings' : '';
    return `${s.minItems ? 'a non-empty list' : 'a list'}${of}`;
  }
  if (typeof s.type === 'string') return `a ${s.type}`;
  return 'an allowed form';
}

function quoted(key: string | number | undefined): string {
  return key === undefined ? 'the document' : typeof key === 'number' ? `item ${key}` : `"${key}"`;
}

function describe(e: ErrorObject): { path: (string | number)[]; message: string; atKey: boolean } {
  const path = pointerToPath(e.instancePath);
  const subject = quoted(path[path.length - 1]);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(p.additionalProperty)], message: `unknown key "${String(p.additionalProperty)}"`, atKey: true };
    case 'required':
      return { path, message: `missing required key "${String(p.missingProperty)}"`, atKey: false };
    case 'enum':
      return { path, message: `${subject} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`, atKey: false };
    case 'const':
      return { path, message: `${subject} must be "${String(p.allowedValue)}"`, atKey: false };
    case 'type':
      return { path, message: `${subject} must be ${String(p.type).split(',').map(article).join(' or ')}`, atKey: false };
    case 'pattern': {
      const meaning = PATTERN_MEANINGS.find(([pattern]) => pattern === p.pattern)?.[1];
      return { path, message: `${subject} ${meaning ?? `must match the pattern ${String(p.pattern)}`}`, atKey: false };
    }
    case 'format':
      return { path, message: `${subject} must be ${FORMAT_MEANINGS[String(p.format)] ?? `a valid ${String(p.format)}`}`, atKey: false };
    case 'anyOf':
    case 'oneOf': {
      const branches = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
      return { path, message: `${subject} must be ${branches.map(describeBranch).join(' or ')}`, atKey: false };
    }
    case 'minItems':
      return { path, message: `${subject} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, atKey: false };
    case 'minProperties':
      return { path, message: `${subject} must have at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`, atKey: false };
    case 'minLength':
      return { path, message: `${subject} must not be empty`, atKey: false };
    case 'propertyNames':
      return { path: [...path, String(p.propertyName)], message: `invalid name "${String(p.propertyName)}"`, atKey: true };
    default:
      return { path, message: `${subject} ${e.message ?? 'is invalid'}`, atKey: false };
  }
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a map',
    array: 'a list',
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    null: 'empty',
  };
  return names[type] ?? type;
}

/** The base (schema file) of a schema path such as `common.schema.json#/definitions/date`. */
function schemaBase(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.indexOf('#'));
}

/**
 * Whether `e` comes from a branch of the failed union `u`: it is about the same value (or
 * one inside it) and its keyword sits under the union, or in a schema a branch refers to.
 */
function withinUnion(e: ErrorObject, u: ErrorObject): boolean {
  const samePlace = e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`);
  const fromBranch = e.schemaPath.startsWith(`${u.schemaPath}/`) || schemaBase(e.schemaPath) !== schemaBase(u.schemaPath);
  return samePlace && fromBranch;
}

/**
 * Short messages for ajv errors. Errors inside an `anyOf`/`oneOf` that also failed as a
 * whole are folded into one message for it, and the name-pattern error ajv adds beside
 * `propertyNames` is dropped, so each mistake is reported once.
 */
export function describeErrors(errors: readonly ErrorObject[]): SchemaIssue[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const names = errors.filter((e) => e.keyword === 'propertyNames');
  const shown = errors.filter((e) => !unions.some((u) => u !== e && withinUnion(e, u)) && !names.some((n) => n !== e && e.schemaPath.startsWith(`${n.schemaPath}/`)));
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const e of shown) {
    const issue = describe(e);
    const key = `${JSON.stringify(issue.path)} ${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
