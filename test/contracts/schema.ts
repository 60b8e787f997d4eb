import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * JSON Schema checks over the vendors' schemas. The definitions use OpenAPI 3.0 schemas
 * (draft-04 dialect with `nullable`), Google discovery schemas (draft-03 style) and SCIM
 * attribute definitions; each adapter turns its schemas into what Ajv reads, into one
 * document per vendor, and names a schema by a JSON pointer into that document.
 */
export type Schema = Record<string, unknown>;

export class SchemaSet {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    /** The vendor document every pointer is resolved in. */
    private readonly document: Schema,
    private readonly id: string,
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, logger: false });
    addFormats.default(this.ajv);
    // Vendor formats with no JSON Schema meaning (int32, int64, uuid-style names, base64url): not checked.
    this.ajv.addSchema(document, id);
  }

  /** Problems of a value against the schema at `pointer` (`#/components/schemas/User`), empty when valid. */
  validate(pointer: string, value: unknown): string[] {
    let check = this.compiled.get(pointer);
    if (!check) {
      check = this.ajv.compile({ $ref: `${this.id}${pointer}` });
      this.compiled.set(pointer, check);
    }
    if (check(value)) return [];
    return (check.errors ?? [])
      .slice(0, 8)
      .map(
        (e) =>
          `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params['allowedValues'])})` : ''}`,
      );
  }

  /**
   * Properties the value carries that the schema does not declare, as paths. Stricter than
   * the definitions themselves (OpenAPI leaves objects open unless told otherwise): an
   * emulator that answers with a field the vendor does not document, or a provider that
   * sends one, is what this is here to catch. Objects without declared properties, or with
   * `additionalProperties`, are open; keys with `@` are OData instance annotations, and
   * keys matching `patternProperties` are declared by pattern.
   */
  undeclared(pointer: string, value: unknown): string[] {
    const found: string[] = [];
    this.walk([this.resolve({ $ref: pointer })], value, '', found, 0);
    return found;
  }

  private walk(schemas: Schema[], value: unknown, path: string, found: string[], depth: number): void {
    if (depth > 24 || value === null || typeof value !== 'object') return;
    const flat = schemas.flatMap((s) => this.alternatives(s));
    if (Array.isArray(value)) {
      const items = flat.map((s) => s['items']).filter((i): i is Schema => typeof i === 'object' && i !== null);
      if (items.length)
        value.forEach((v, i) =>
          this.walk(
            items.map((s) => this.resolve(s)),
            v,
            `${path}/${i}`,
            found,
            depth + 1,
          ),
        );
      return;
    }
    const declared = new Map<string, Schema[]>();
    for (const s of flat) {
      const props = (s['properties'] ?? {}) as Record<string, Schema>;
      for (const [k, v] of Object.entries(props)) declared.set(k, [...(declared.get(k) ?? []), this.resolve(v)]);
    }
    const open = declared.size === 0 || flat.some((s) => s['additionalProperties'] !== undefined && s['additionalProperties'] !== false);
    const patterns = flat.flatMap((s) => Object.keys(s['patternProperties'] ?? {})).map((p) => new RegExp(p, 'u'));
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = declared.get(k);
      if (sub) this.walk(sub, v, `${path}/${k}`, found, depth + 1);
      else if (!open && !k.includes('@') && !patterns.some((p) => p.test(k))) found.push(`${path}/${k}`);
    }
  }

  /** A schema and what it is composed of (allOf, anyOf, oneOf), references resolved. */
  private alternatives(schema: Schema, seen = new Set<Schema>()): Schema[] {
    const s = this.resolve(schema);
    if (seen.has(s)) return [];
    seen.add(s);
    const parts = ['allOf', 'anyOf', 'oneOf'].flatMap((k) => (Array.isArray(s[k]) ? (s[k] as Schema[]) : []));
    return [s, ...parts.flatMap((p) => this.alternatives(p, seen))];
  }

  /** Follows `$ref` pointers inside the vendor document. */
  resolve(schema: Schema): Schema {
    let s = schema;
    for (let hops = 0; typeof s['$ref'] === 'string' && hops < 32; hops++) s = pointerGet(this.document, s['$ref']) as Schema;
    return s;
  }
}

/** The value at a `#/a/b` pointer, or undefined. */
export function pointerGet(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  let at: unknown = document;
  for (const raw of pointer.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Every `$ref` in a document that does not resolve inside it (a bare name, as discovery writes them, is a schema's name). */
export function danglingRefs(document: unknown): string[] {
  const schemas = ((document ?? {}) as Record<string, unknown>)['schemas'] as Record<string, unknown> | undefined;
  const resolves = (ref: string): boolean => (ref.startsWith('#') ? pointerGet(document, ref) !== undefined : schemas?.[ref] !== undefined);
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && !resolves(x)) out.add(x);
        else visit(x);
      }
    }
  };
  visit(document);
  return [...out];
}

/**
 * OpenAPI 3.0 schema spellings Ajv reads otherwise: `nullable` without a `type` (Ajv
 * wants one), boolean `exclusiveMinimum`/`exclusiveMaximum` (draft-04). Returns a copy.
 */
export function fromOpenApi30(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromOpenApi30);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fromOpenApi30(v);
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] && typeof out[bound] === 'number') out[flag] = out[bound];
    else delete out[flag];
    if (typeof out[flag] === 'number') delete out[bound];
  }
  if (out['nullable'] === true && out['type'] === undefined) {
    delete out['nullable'];
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}
