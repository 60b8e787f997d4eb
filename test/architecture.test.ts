import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The direction of flow (load → observe → pure plan → guard → seal → apply → journal),
// checked on the code's own imports as TypeScript reads them.

const root = join(import.meta.dirname, '..');

interface Import {
  readonly from: string;
  readonly to: string;
  /** `import type` / `export type`: erased, no code runs. */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const out: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return;
    const to = normalize(join(dirname(file), specifier.text)).replace(/\.js$/, '.ts');
    out.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const allTypes =
        !!clause &&
        (clause.phaseModifier === ts.SyntaxKind.TypeKeyword ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** `src/<folder>` or `providers/<name>`; files directly in src/ or providers/ are their own folder. */
function folderOf(file: string): string {
  const parts = relative(root, join(root, file)).split(/[\\/]/);
  if (parts.length <= 2) return parts.join('/').replace(/\.ts$/, '');
  return `${parts[0]}/${parts[1]}`;
}

const files = [...sourceFiles('src'), ...sourceFiles('providers')];
const imports = files.flatMap(importsOf).filter((i) => folderOf(i.from) !== folderOf(i.to));

/** Strongly connected folders (Tarjan): each loop of two or more folders. */
function folderLoops(): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    const from = folderOf(i.from);
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(folderOf(i.to));
  }
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const loop: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        loop.push(w);
      } while (w !== v);
      if (loop.length > 1) loops.push(loop.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) connect(v);
  return loops;
}

const importsFrom = (folder: string) => imports.filter((i) => folderOf(i.from) === folder);
const show = (list: readonly Import[]) => list.map((i) => `${i.from} -> ${i.to}${i.typeOnly ? ' (type)' : ''}`);

describe('the direction of flow', () => {
  it('reads the imports it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.some((i) => i.from === 'src/run/plan-run.ts' && i.to === 'src/run/assemble-plan.ts')).toBe(false); // same folder: not counted
    expect(imports.some((i) => i.from === 'src/run/assemble-plan.ts' && i.to === 'src/guard/guard.ts' && !i.typeOnly)).toBe(true);
  });

  it('no folder-level import loop, except between the provider contract and the providers', () => {
    const allowed = (loop: readonly string[]) => loop.every((f) => f === 'src/provider' || f === 'providers/registry' || f.startsWith('providers/'));
    expect(folderLoops().filter((loop) => !allowed(loop))).toEqual([]);
  });

  it('the planner imports only policy, roster, types, wording, journal types and canonical JSON', () => {
    const allowed = (i: Import) =>
      ['src/policy', 'src/roster', 'src/types', 'src/wording'].includes(folderOf(i.to)) ||
      i.to === 'src/errors.ts' ||
      i.to === 'src/journal/canonical-json.ts' ||
      (folderOf(i.to) === 'src/journal' && i.typeOnly);
    expect(show(importsFrom('src/plan').filter((i) => !allowed(i)))).toEqual([]);
  });

  it('wording (how output counts things) is a leaf: it imports nothing of Lockstep', () => {
    expect(files.some((f) => folderOf(f) === 'src/wording')).toBe(true);
    expect(show(importsFrom('src/wording'))).toEqual([]);
  });

  it('the guard imports neither the planner nor any provider, Git, CLI, controller or run code', () => {
    expect(show(importsFrom('src/guard').filter((i) => !['src/policy', 'src/types'].includes(folderOf(i.to))))).toEqual([]);
  });

  it('only the run wiring and the sandbox (which starts the emulators) reach the provider registry', () => {
    const users = imports.filter((i) => i.to === 'providers/registry.ts' && !i.typeOnly).map((i) => folderOf(i.from));
    expect(users).toContain('src/run');
    expect([...new Set(users)].filter((f) => f !== 'src/run' && f !== 'src/sandbox')).toEqual([]);
  });
});
