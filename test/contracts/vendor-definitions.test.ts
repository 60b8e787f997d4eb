import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAPH_ROUTES } from '../../providers/entra/emulator/graph-routes.js';
import { DIRECTORY_ROUTES } from '../../providers/google/emulator/directory-routes.js';
import { TRANSFER_ROUTES } from '../../providers/google/emulator/transfer-routes.js';
import { KUBERNETES_ROUTES } from '../../providers/kubernetes/emulator/routes.js';
import { OKTA_ROUTES } from '../../providers/okta/emulator/routes.js';
import { SCIM_ROUTES } from '../../providers/scim/emulator/routes.js';
import { findOperation } from './definition.js';
import { describeGaps, GAPS, outsideGap } from './gaps.js';
import { danglingRefs } from './schema.js';
import { DEFINITION_FILES, definitionsDir, hasDefinition, loadDefinition, VENDORS, type Vendor } from './vendors.js';

/**
 * The vendors' definitions themselves, where they are present (see
 * test/contracts/sources/README.md): whole (every reference resolves), as the trim script
 * writes them (trimming again changes no byte), and covering the emulators: every
 * endpoint an emulator serves is an operation of the vendor's definition, or a gap
 * named in gaps.ts. The exchanges are checked in the provider contract suite.
 */
const EMULATED: Record<Vendor, readonly { method: string; path: string }[]> = {
  okta: OKTA_ROUTES,
  graph: GRAPH_ROUTES.map((r) => ({ method: r.method, path: `/v1.0${r.path}` })),
  google: [...DIRECTORY_ROUTES, ...TRANSFER_ROUTES],
  kubernetes: KUBERNETES_ROUTES,
  scim: SCIM_ROUTES,
};

/** A request path for a route: each `{parameter}` given a value (some routes serve several of the vendor's endpoints). */
const SAMPLES: Record<string, string[]> = { kind: ['microsoftAuthenticatorMethods', 'phoneMethods', 'fido2Methods'] };

function samplePaths(path: string): string[] {
  const param = /\{([^}]+)\}/.exec(path);
  if (!param) return [path];
  const values = SAMPLES[param[1]!] ?? ['x1'];
  return values.flatMap((v) => samplePaths(path.replace(param[0], v)));
}

describe.each(VENDORS)('%s API definition', (vendor) => {
  const present = hasDefinition(vendor);

  it.skipIf(!present)('is whole: every $ref resolves inside it', () => {
    for (const file of DEFINITION_FILES[vendor]) {
      const doc = JSON.parse(readFileSync(join(definitionsDir()!, file), 'utf8')) as unknown;
      expect(danglingRefs(doc), file).toEqual([]);
    }
  });

  it.skipIf(!present)('is as the trim script writes it: trimming it again changes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'lockstep-trim-'));
    try {
      for (const file of DEFINITION_FILES[vendor]) {
        const source = join(definitionsDir()!, file);
        execFileSync(process.execPath, ['scripts/trim-definitions.mjs', vendor, source], { env: { ...process.env, LOCKSTEP_VENDOR_API_DIR: out }, stdio: 'pipe' });
        expect(readFileSync(join(out, vendor, basename(file)), 'utf8'), file).toBe(readFileSync(source, 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(!present)('has every endpoint the emulator serves, or names it as a gap', () => {
    const api = loadDefinition(vendor);
    const missing = EMULATED[vendor]
      .filter((r) => r.method !== '*')
      .flatMap((r) => samplePaths(r.path).map((p) => ({ method: r.method, path: p })))
      .filter((r) => !outsideGap(vendor, r.method, r.path) && !findOperation(api, r.method, api.endpointPath?.(r.path) ?? r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });
});

it('keeps the deliberate gaps in one list, each with its reason', () => {
  console.log(`Contract gaps (test/contracts/gaps.ts), definitions ${definitionsDir() ?? 'not present'}:\n${describeGaps()}`);
  expect(GAPS.length).toBeGreaterThan(0);
  for (const g of GAPS) expect(g.why.length, JSON.stringify(g)).toBeGreaterThan(20);
});
