#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs).
import { run } from '../dist/src/cli/main.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
