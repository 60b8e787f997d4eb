// What the per-provider observation benchmarks share: the median, their command-line
// flags and the requests-by-endpoint listing.
import { fileURLToPath } from 'node:url';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** True when the module at `url` is the script node was started with (not imported by observe-bench.mjs). */
export function isMain(url) {
  return Boolean(process.argv[1]) && fileURLToPath(url) === process.argv[1];
}

/** `--name value` pairs over `defaults` (numbers only); anything else throws `usage`. */
export function numericArgs(argv, defaults, usage) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!key || !(key in defaults) || !Number.isFinite(value)) throw new Error(`usage: ${usage}`);
    out[key] = value;
  }
  return out;
}

export function printEndpoints(byEndpoint, indent = '  ') {
  const width = Math.max(...Object.keys(byEndpoint).map((k) => k.length));
  for (const [endpoint, n] of Object.entries(byEndpoint)) console.log(`${indent}${endpoint.padEnd(width)} ${String(n).padStart(6)}`);
}
