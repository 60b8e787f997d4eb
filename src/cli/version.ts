import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package version, from the package.json beside src/ (or dist/src/ when built). */
export function lockstepVersion(): string {
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(`${up}/package.json`, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lockstep' && pkg.version) return pkg.version;
    } catch {
      // not at this level: try the next one up
    }
  }
  return 'unknown';
}
