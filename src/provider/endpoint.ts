import type { ConnectionProblem } from '../policy/catalogue.js';

/**
 * Where Lockstep may send credentials: `https://` anywhere; plain `http://` only to a
 * loopback host (127.0.0.1, ::1, localhost), which is where the emulators listen. A
 * bearer token or signed assertion sent over plain HTTP to another host could be read on
 * the way, so such a connection is refused before anything is sent.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Why `value` is not an acceptable API endpoint, or null when it is. */
export function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `${url.protocol}// is not supported; use https://`;
  if (isLoopbackHost(url.hostname)) return null;
  return `plain http:// is accepted only for a loopback host (127.0.0.1, ::1, localhost); use https:// for ${url.hostname}`;
}

/**
 * Problems with the connection keys that name an API endpoint credentials are sent to, by
 * key; a value that is a secret reference is checked once resolved, when connecting.
 */
export function endpointProblems(name: string, endpoints: Readonly<Record<string, unknown>>): ConnectionProblem[] {
  const out: ConnectionProblem[] = [];
  for (const [key, value] of Object.entries(endpoints)) {
    if (typeof value !== 'string' || value.includes('${')) continue;
    const problem = endpointProblem(value);
    if (problem) out.push({ message: `${key} of provider ${name}: ${problem}`, path: [key] });
  }
  return out;
}
