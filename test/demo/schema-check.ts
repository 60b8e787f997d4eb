import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type AnySchemaObject } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS: at runtime the default import is the plugin itself.
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as FormatsPlugin;

export const ROOT = join(import.meta.dirname, '..', '..');

const read = (file: string): AnySchemaObject => JSON.parse(readFileSync(file, 'utf8')) as AnySchemaObject;

/**
 * Validates against the project's JSON Schemas, registered by file name so that
 * `common.schema.json#/...` references resolve; provider connections as `provider-<type>`.
 * Returns the problems, empty when the value is valid.
 */
export function schemaChecker(): (schema: string, value: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const dir = join(ROOT, 'schemas');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) ajv.addSchema(read(join(dir, f)), f);
  for (const type of readdirSync(join(ROOT, 'providers'))) {
    const file = join(ROOT, 'providers', type, 'config.schema.json');
    if (existsSync(file)) ajv.addSchema(read(file), `provider-${type}`);
  }
  return (schema, value) => {
    const validate = ajv.getSchema(schema);
    if (!validate) throw new Error(`no schema ${schema}`);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${schema} ${e.instancePath} ${e.message ?? ''}`);
  };
}
