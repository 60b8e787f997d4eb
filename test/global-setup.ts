import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/** A PostgreSQL server the state-store tests may use: its superuser URL and password. */
export interface TestPostgres {
  url: string;
  password: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when no server could be started: the PostgreSQL tests are skipped, and the run says so. */
    postgres: TestPostgres | null;
  }
}

/**
 * The CLI end-to-end tests run the built CLI (bin/lockstep.js -> dist/), exactly as a user
 * does after `npm ci`: build once before any test so dist/ matches the sources. The state
 * store tests need a real PostgreSQL server: the one `.ci/run` started
 * (LOCKSTEP_TEST_PG_URL, LOCKSTEP_TEST_PG_PASSWORD), else one started here from Debian's
 * postgresql package by scripts/test-postgres.mjs, stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });

  let stop = () => {};
  let postgres: TestPostgres | null = null;
  if (process.env.LOCKSTEP_TEST_PG_URL && process.env.LOCKSTEP_TEST_PG_PASSWORD) {
    postgres = { url: process.env.LOCKSTEP_TEST_PG_URL, password: process.env.LOCKSTEP_TEST_PG_PASSWORD };
  } else {
    const script = (await import(join(root, 'scripts', 'test-postgres.mjs'))) as {
      startPostgres(): Promise<{ url: string; password: string; dir: string } | null>;
      stopPostgres(dir: string): void;
    };
    try {
      const started = await script.startPostgres();
      if (started) {
        postgres = { url: started.url, password: started.password };
        stop = () => script.stopPostgres(started.dir);
      }
    } catch (e) {
      process.stderr.write(`PostgreSQL could not be started: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
  process.stderr.write(
    postgres
      ? `state store tests: PostgreSQL at ${postgres.url} and the file backend\n`
      : "state store tests: PostgreSQL NOT available (install Debian's postgresql package); the suite runs on the file backend only and the PostgreSQL tests are skipped\n",
  );
  project.provide('postgres', postgres);
  return stop;
}
