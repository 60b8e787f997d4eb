import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-temp-dirs.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CLI end-to-end tests spawn the built CLI; keep parallelism modest on small machines.
    maxWorkers: 2,
  },
});
