import type { Reply } from '../../src/emulator/http.js';
import { RouteTable, type Route } from '../../src/emulator/routes.js';
import { startEmulatorServer, type EmulatorRequest } from '../../src/emulator/server.js';

export interface EmulatedComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

interface GitHubRoute extends Route {
  handle(req: EmulatorRequest<GitHubRoute>, input: { body?: string }): Reply;
}

/**
 * The GitHub REST endpoints `lockstep comment` uses: list issue comments (per_page up to
 * 100, page, a Link header with rel="next"/"last"), create one, update one, delete one
 * (204 without a body, 404 once gone). Bearer-token
 * auth (401 with GitHub's `Bad credentials` body), 404 for another repository or issue,
 * 422 for a body over 65,536 characters, as github.com answers.
 */
export async function startGitHubEmulator(opts: { token: string; repository: string; pullRequest: number }) {
  /** When false, DELETE answers 403 "Resource not accessible by integration", as for a token without the permission. */
  let deletable = true;
  const comments: EmulatedComment[] = [];
  let nextId = 1000;
  const base = `/repos/${opts.repository}/issues`;
  const listPath = `${base}/${opts.pullRequest}/comments`;
  const htmlUrl = (c: EmulatedComment) => `https://github.com/${opts.repository}/pull/${opts.pullRequest}#issuecomment-${c.id}`;
  const error = (status: number, message: string, extra: Record<string, unknown> = { documentation_url: 'https://docs.github.com/rest' }): Reply => ({
    status,
    body: { message, ...extra },
  });

  const routes = new RouteTable<GitHubRoute>(
    [
      {
        method: 'GET',
        path: listPath,
        template: `${base}/{n}/comments`,
        handle(req) {
          const q = req.url.searchParams;
          const perPage = Math.min(100, Number(q.get('per_page') ?? 30));
          const page = Number(q.get('page') ?? 1);
          const last = Math.max(1, Math.ceil(comments.length / perPage));
          const link = (p: number) => `<http://${req.headers.host}${listPath}?per_page=${perPage}&page=${p}>`;
          const links = [
            ...(page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []),
            ...(page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : []),
          ];
          return { status: 200, body: comments.slice((page - 1) * perPage, page * perPage), ...(links.length ? { headers: { link: links.join(', ') } } : {}) };
        },
      },
      {
        method: 'POST',
        path: listPath,
        template: `${base}/{n}/comments`,
        handle(_req, input) {
          const c = { id: nextId++, body: input.body ?? '', user: { login: 'github-actions[bot]', type: 'Bot' } };
          comments.push(c);
          return { status: 201, body: { ...c, html_url: htmlUrl(c) } };
        },
      },
      {
        method: 'PATCH',
        path: `${base}/comments/{id}`,
        handle(req, input) {
          const existing = comments.find((c) => String(c.id) === req.params['id']);
          if (!existing) return error(404, 'Not Found');
          existing.body = input.body ?? existing.body;
          return { status: 200, body: { ...existing, html_url: htmlUrl(existing) } };
        },
      },
      {
        method: 'DELETE',
        path: `${base}/comments/{id}`,
        handle(req) {
          const at = comments.findIndex((c) => String(c.id) === req.params['id']);
          if (at < 0) return error(404, 'Not Found');
          if (!deletable) return error(403, 'Resource not accessible by integration');
          comments.splice(at, 1);
          return { status: 204 };
        },
      },
    ],
    (path) => path.replace(/\/comments\/\d+$/, '/comments/{id}').replace(/\/issues\/\d+\//, '/issues/{n}/'),
  );

  const server = await startEmulatorServer({
    routes,
    contentType: 'application/json; charset=utf-8',
    renderError: (status, detail) => ({ contentType: 'application/json; charset=utf-8', body: JSON.stringify({ message: detail }) }),
    answer(req) {
      if (req.headers.authorization !== `Bearer ${opts.token}`) return error(401, 'Bad credentials');
      if (req.route?.method === 'GET' || req.route?.method === 'DELETE') return req.route.handle(req, {});
      const input = req.body ? (JSON.parse(req.body) as { body?: string }) : {};
      if (typeof input.body === 'string' && input.body.length > 65_536) {
        return error(422, 'Validation Failed', {
          errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
        });
      }
      return req.route ? req.route.handle(req, input) : error(404, 'Not Found');
    },
  });
  return {
    url: server.url,
    comments,
    counters: server.counters,
    /** Someone else's comment, to fill pages. */
    addOther(body: string): void {
      comments.push({ id: nextId++, body, user: { login: 'octocat', type: 'User' } });
    },
    allowDelete(allowed: boolean): void {
      deletable = allowed;
    },
    close: () => server.close(),
  };
}
