/**
 * An emulated API's endpoints: a method and a path pattern whose `{name}` segments are
 * parameters. The endpoint's template (the pattern, or the name the API documents) keys
 * request counters and fault rules, so tests can name an endpoint without its ids. Each
 * emulator's routes extend this with their handler (and what else it needs, e.g. scopes).
 */
export interface Route {
  /** An HTTP method, or `*` for an endpoint that answers every method itself. */
  method: string;
  /** e.g. `/api/v1/users/{id}`; a `{name}` segment matches any one segment. */
  path: string;
  /** The endpoint's name for counters and fault rules, when not `path`. */
  template?: string;
}

export interface RouteMatch<R extends Route> {
  /** The route for this method and path; undefined when there is none. */
  route: R | undefined;
  template: string;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  /** No route for this method, but one for another: the path names an endpoint (405 where the API says so). */
  otherMethod: boolean;
}

/** A path's segments, empty ones dropped and each percent-decoded (kept as sent when not decodable). */
function segments(path: string): string[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** Routes are tried in order: list a literal path (`/users/delta`) before a pattern it also matches (`/users/{id}`). */
export class RouteTable<R extends Route> {
  private readonly routes: { route: R; pattern: string[] }[];

  constructor(
    routes: readonly R[],
    /** The template of a path no route matches (default: the path itself). */
    private readonly unrouted: (path: string) => string = (path) => path,
  ) {
    this.routes = routes.map((route) => ({ route, pattern: segments(route.path) }));
  }

  match(method: string, path: string): RouteMatch<R> {
    const parts = segments(path);
    let other: { template: string; params: Record<string, string> } | undefined;
    for (const { route, pattern } of this.routes) {
      const params = bind(pattern, parts);
      if (!params) continue;
      const template = route.template ?? route.path;
      if (route.method === method || route.method === '*') return { route, template, params, otherMethod: false };
      other ??= { template, params };
    }
    if (other) return { route: undefined, ...other, otherMethod: true };
    return { route: undefined, template: this.unrouted(path), params: {}, otherMethod: false };
  }
}

function bind(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = parts[i]!;
    else if (p !== parts[i]) return undefined;
  }
  return params;
}
