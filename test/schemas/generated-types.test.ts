import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.js';

describe('generated types', () => {
  it('src/types/generated.ts is what the JSON Schemas generate', async () => {
    const result = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(process.execPath, [join(ROOT, 'scripts', 'gen-types.mjs'), '--check'], { cwd: ROOT }, (error, _stdout, stderr) =>
        done({ code: error ? 1 : 0, stderr }),
      );
    });
    expect(result.stderr).toContain('generated types match the schemas');
    expect(result.code).toBe(0);
  });
});
