#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the browser test of the HTML report
// (driven by playwright-core with executablePath: nothing is downloaded by npm). Run by
// `npm test` before vitest. Installs the `chromium` package with apt-get when running as
// root on Debian; elsewhere it says how, and the browser test skips with that reason.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && existsSync('/usr/bin/apt-get')) {
  console.error('installing Debian chromium for the HTML report browser test (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch (e) {
    console.error(`could not install chromium: ${e.message}; the browser test will be skipped`);
  }
} else {
  console.error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) or set LOCKSTEP_CHROMIUM; the browser test will be skipped`);
}
