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
