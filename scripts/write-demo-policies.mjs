#!/usr/bin/env node
// Writes the demo organisation's policy folder (Northwind, with the demo story, at the
// fixed demo instant) to policies/ or to the folder given; --snapshot FILE also writes
// the observed state the sandbox seeds its emulators with.
//
//   npm run demo:policies
//   node scripts/write-demo-policies.mjs /tmp/northwind --snapshot /tmp/northwind-snapshot.json
//
// It runs the current sources of src/demo (transpiled with TypeScript into
// node_modules/.cache, so package imports resolve), never a stale dist/, and needs no
// full build: the committed policies/ always come from the code beside them.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules', '.cache', 'write-demo-policies');

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

async function transpile() {
  await rm(out, { recursive: true, force: true });
  for (const dir of ['src/demo', 'src/types']) {
    for await (const file of tsFiles(join(root, dir))) {
      const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, outputText);
    }
  }
  // The transpiled files are ES modules whatever the nearest package.json says.
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
}

const args = process.argv.slice(2);
const positional = [];
let snapshotFile;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--snapshot') snapshotFile = args[++i] ?? '';
  else positional.push(args[i]);
}
if (snapshotFile === '' || positional.length > 1) {
  console.error('usage: write-demo-policies.mjs [DIR] [--snapshot FILE]');
  process.exit(1);
}
const dir = resolve(root, positional[0] ?? 'policies');

await transpile();
const { demoOrg } = await import(pathToFileURL(join(out, 'src/demo/demo-org.js')).href);
const { writePolicyFolder, renderSnapshot } = await import(pathToFileURL(join(out, 'src/demo/write-policy.js')).href);

const org = demoOrg();
const written = await writePolicyFolder(dir, org);
console.error(`wrote ${written.length} files to ${relative(process.cwd(), dir) || '.'}: ${written.join(', ')}`);
if (snapshotFile) {
  await mkdir(dirname(resolve(snapshotFile)), { recursive: true });
  await writeFile(resolve(snapshotFile), renderSnapshot(org.snapshot));
  console.error(`wrote the observed state to ${snapshotFile}`);
}
