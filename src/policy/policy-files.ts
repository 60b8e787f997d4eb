import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Problem } from '../errors.js';
import { NodePositions } from './located.js';

/** One YAML document with content, as plain data plus the positions of its nodes. */
export interface ParsedDocument {
  readonly value: unknown;
  readonly positions: NodePositions;
}

/** One policy file: its documents, or the syntax problems that stopped them. */
export interface ParsedFile {
  readonly abs: string;
  /** The file as problems name it: relative to the working directory when inside it. */
  readonly display: string;
  readonly bytes: Buffer;
  readonly documents: readonly ParsedDocument[];
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/** Relative to the working directory when the file is inside it, else absolute. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

const SKIPPED_FOLDERS = new Set(['node_modules']);

/** Every `*.yaml` / `*.yml` under `dir`, sorted by path; dot-folders and node_modules skipped. */
export async function listPolicyFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(folder: string): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const kind = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
      if (!kind) continue;
      if (kind.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) await walk(full);
      } else if (kind.isFile() && /\.ya?ml$/i.test(entry.name)) {
        found.push(full);
      }
    }
  }
  await walk(dir);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Parses every document of a YAML file with the YAML 1.2 core schema (dates stay strings).
 * Empty documents (a trailing `---`, comments only) are dropped.
 */
export function parseYamlFile(abs: string, bytes: Buffer, schema: 'core' | 'failsafe' = 'core'): ParsedFile {
  const display = displayPath(abs);
  const lineCounter = new LineCounter();
  const source = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const documents: ParsedDocument[] = [];
  const at = (offset: number): Problem['at'] => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: display, line, col };
  };
  for (const doc of parseAllDocuments(source, { lineCounter, prettyErrors: false, schema, version: '1.2' })) {
    for (const e of doc.errors) problems.push({ message: `YAML syntax: ${e.message}`, at: at(e.pos[0]) });
    for (const w of doc.warnings) warnings.push({ message: `YAML: ${w.message}`, at: at(w.pos[0]) });
    if (doc.errors.length > 0 || doc.contents === null) continue;
    let value: unknown;
    try {
      // The alias cap refuses "billion laughs" documents instead of expanding them.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      problems.push({ message: `YAML: ${(e as Error).message}`, at: at(doc.contents.range[0]) });
      continue;
    }
    if (value === null || value === undefined) continue;
    documents.push({ value, positions: new NodePositions(doc.contents, lineCounter, display) });
  }
  return { abs, display, bytes, documents, problems, warnings };
}

export async function readPolicyFile(abs: string): Promise<ParsedFile> {
  return parseYamlFile(abs, await readFile(abs));
}

/** `sha256:<hex>` over each file's path (relative to `dir`, `/`-separated) and bytes, in order. */
export function digestFiles(dir: string, files: readonly ParsedFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) {
    const name = relative(dir, f.abs).split(sep).join('/');
    hash.update(`${name}\0${f.bytes.length}\0`);
    hash.update(f.bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
