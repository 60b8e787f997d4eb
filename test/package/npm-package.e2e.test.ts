import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../cli/run-cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with the caller's environment (npm finds its cache under the real HOME). */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** What the built code reads from the package at run time, derived from the sources. */
function filesReadAtRunTime(): string[] {
  const schemas = readdirSync(join(ROOT, 'schemas')).map((f) => `schemas/${f}`);
  const providerSchemas = readdirSync(join(ROOT, 'providers'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `dist/providers/${d.name}/config.schema.json`);
  const policies = (readdirSync(join(ROOT, 'policies'), { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath: string }>)
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(ROOT.length + 1));
  return ['package.json', 'LICENSE', 'README.md', 'bin/lockstep.js', 'dist/src/cli/main.js', ...schemas, ...providerSchemas, ...policies];
}

describe('the npm package', () => {
  it('packs what runs, installs into an empty folder without the repository, validates the example policy and tells the demo story', { timeout: 240_000 }, async () => {
    const work = tempDir();
    // dist/ is built by the suite's global setup; --ignore-scripts keeps `prepare` from rebuilding it under other tests.
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [pack] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = pack!.files.map((f) => f.path);

    for (const f of filesReadAtRunTime()) expect(files, `the package holds ${f}`).toContain(f);
    // Nothing a user does not run: no source maps, TypeScript sources, tests, benchmarks or scripts.
    expect(files.filter((f) => /\.map$|\.ts$|(^|\/)test\/|\.test\.js$|^bench\/|^scripts\/|^src\/|^providers\//.test(f))).toEqual([]);
    expect(
      files.every((f) => /^(bin|dist\/src|dist\/providers|schemas|policies)\/|^(package\.json|README\.md|LICENSE)$/.test(f)),
      files.join('\n'),
    ).toBe(true);

    // An empty project, as a user starts one; dependencies come from the npm cache (the
    // suite's own node_modules was installed from it), the registry only for what it lacks.
    const app = join(work, 'app');
    cpSync(join(ROOT, 'policies'), join(app, 'policies'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lockstep-install-check', version: '1.0.0', private: true }));
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, pack!.filename)], app);
    expect(installed.code, installed.stderr).toBe(0);
    expect(existsSync(join(app, 'node_modules', 'lockstep', 'bin', 'lockstep.js'))).toBe(true);
    // Only production dependencies are installed with it.
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);

    const validated = await run('npx', ['--no', 'lockstep', 'validate', '--offline'], app);
    expect(validated.stderr).toBe('');
    expect(validated.stdout).toMatch(/^Policy northwind is valid: \d+ role profiles, .* 7 providers, 240 people\.$/m);
    expect(validated.code).toBe(0);

    const installedPolicies = await run('npx', ['--no', 'lockstep', 'validate', '--offline', '--policies', 'node_modules/lockstep/policies'], app);
    expect(installedPolicies.code, installedPolicies.stderr).toBe(0);

    const demoDir = join(work, 'demo');
    const demo = await run('npx', ['--no', 'lockstep', 'demo', '--dir', demoDir], app);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/Lockstep demo: Northwind, 240 people/);
    expect(demo.stdout).toMatch(/guard TRIPPED: group_removal okta "Sales" removing 14 of 40/);
    expect(demo.stdout).toMatch(/Apply halted by the guard: nothing applied/);
    expect(demo.stdout).toMatch(/Apply: \d+ ok, (\d+ already, )?\d+ pending\./);
    expect(demo.stdout).toMatch(/No changes\. Access matches policy\./);
    expect(demo.stdout).toMatch(/journal intact: \d+ records/);
    expect(existsSync(join(demoDir, '.lockstep', 'journal.jsonl'))).toBe(true);
  });
});
