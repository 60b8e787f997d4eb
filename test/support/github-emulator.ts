import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../src/emulator/http.js';
import { RequestCounters } from '../../src/emulator/counters.js';

export interface EmulatedComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

/**
 * The GitHub REST endpoints `lockstep comment` uses: list issue comments (per_page up to
 * 100, page, a Link header with rel="next"/"last"), create one, update one. Bearer-token
 * auth (401 with GitHub's `Bad credentials` body), 404 for another repository or issue,
 * 422 for a body over 65,536 characters, as github.com answers.
 */
export async function startGitHubEmulator(opts: { token: string; repository: string; pullRequest: number }) {
  const comments: EmulatedComment[] = [];
  const counters = new RequestCounters();
  let nextId = 1000;
  const server = createServer((req, res) => void handle(req, res));
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const base = `/repos/${opts.repository}/issues`;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://github');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const template = url.pathname.replace(/\/comments\/\d+$/, '/comments/{id}').replace(/\/issues\/\d+\//, '/issues/{n}/');
    counters.hit(method, template);
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const listPath = `${base}/${opts.pullRequest}/comments`;
    if (url.pathname === listPath && method === 'GET') {
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(comments.length / perPage));
      const link = (p: number) => `<http://${req.headers.host}${listPath}?per_page=${perPage}&page=${p}>`;
      const links = [...(page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []), ...(page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : [])];
      return send(res, 200, comments.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
    }
    const parsed = body ? (JSON.parse(body) as { body?: string }) : {};
    if (typeof parsed.body === 'string' && parsed.body.length > 65_536) {
      return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] });
    }
    if (url.pathname === listPath && method === 'POST') {
      const c = { id: nextId++, body: parsed.body ?? '', user: { login: 'github-actions[bot]', type: 'Bot' } };
      comments.push(c);
      return send(res, 201, { ...c, html_url: `https://github.com/${opts.repository}/pull/${opts.pullRequest}#issuecomment-${c.id}` });
    }
    const m = new RegExp(`^${base}/comments/(\\d+)$`).exec(url.pathname);
    const existing = m ? comments.find((c) => c.id === Number(m[1])) : undefined;
    if (existing && method === 'PATCH') {
      existing.body = parsed.body ?? existing.body;
      return send(res, 200, { ...existing, html_url: `https://github.com/${opts.repository}/pull/${opts.pullRequest}#issuecomment-${existing.id}` });
    }
    return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    counters,
    /** Someone else's comment, to fill pages. */
    addOther(body: string): void {
      comments.push({ id: nextId++, body, user: { login: 'octocat', type: 'User' } });
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
