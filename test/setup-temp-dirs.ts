import { afterAll } from 'vitest';
import { removeTempDirs } from './cli/run-cli.js';

// Registered before any test file's own hooks, so it runs after them (hooks run as a stack):
// the folders a file's tests made are gone when the file is done.
afterAll(() => removeTempDirs());
