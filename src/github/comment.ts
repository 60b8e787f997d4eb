import { UserError } from '../errors.js';
import { endpointProblem } from '../provider/endpoint.js';

/** GitHub refuses issue comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Hidden in the rendered comment; finds Lockstep's own comment again on the next run. */
export const COMMENT_MARKER = '<!-- lockstep:pr-comment -->';

export interface GitHubTarget {
  /** REST API root, `https://api.github.com` or a GitHub Enterprise Server's `/api/v3`. */
  readonly apiUrl: string;
  readonly token: string;
  /** `owner/name`. */
  readonly repository: string;
  readonly pullRequest: number;
}

interface IssueComment {
  id: number;
  body?: string;
}

/**
 * Creates the single Lockstep comment on a pull request, or updates it: every page of
 * the PR's comments is read (Link rel="next") to find the one carrying the marker, so a
 * busy PR never gets a second Lockstep comment.
 */
export async function upsertComment(target: GitHubTarget, body: string): Promise<{ action: 'created' | 'updated'; id: number; url: string }> {
  if (body.length > GITHUB_COMMENT_LIMIT) throw new UserError(`comment of ${body.length} characters is over GitHub's limit of ${GITHUB_COMMENT_LIMIT}`);
  const problem = endpointProblem(target.apiUrl);
  if (problem) throw new UserError(`GitHub API URL: ${problem}`);
  const root = target.apiUrl.replace(/\/+$/, '');
  const issue = `${root}/repos/${target.repository}/issues/${target.pullRequest}`;
  let next: string | null = `${issue}/comments?per_page=100`;
  let existing: IssueComment | undefined;
  while (next && !existing) {
    const res = await call(target, 'GET', next);
    const page = (await res.json()) as IssueComment[];
    existing = page.find((c) => c.body?.includes(COMMENT_MARKER));
    next = nextLink(res.headers.get('link'));
  }
  const res = existing
    ? await call(target, 'PATCH', `${root}/repos/${target.repository}/issues/comments/${existing.id}`, { body })
    : await call(target, 'POST', `${issue}/comments`, { body });
  const saved = (await res.json()) as { id: number; html_url?: string };
  return { action: existing ? 'updated' : 'created', id: saved.id, url: saved.html_url ?? '' };
}

async function call(target: GitHubTarget, method: string, url: string, json?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${target.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'lockstep',
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new UserError(`GitHub ${method} ${new URL(url).pathname}: ${(e as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        return text;
      }
    })();
    throw new UserError(`GitHub ${method} ${new URL(url).pathname}: ${res.status} ${message.replaceAll(target.token, '[redacted]').slice(0, 300)}`);
  }
  return res;
}

/** The rel="next" URL of an RFC 8288 Link header. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m && m[2]!.split(/\s+/).includes('next')) return m[1]!;
  }
  return null;
}

/** Where the PR comment goes, from the GitHub Actions environment (GITHUB_*), a flag overriding the PR number. */
export function targetFromEnvironment(env: NodeJS.ProcessEnv, event: unknown, pr?: number): GitHubTarget {
  const token = env.GITHUB_TOKEN;
  const repository = env.GITHUB_REPOSITORY;
  const problems: string[] = [];
  if (!token) problems.push('GITHUB_TOKEN is not set');
  if (!repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) problems.push('GITHUB_REPOSITORY must be owner/name');
  const fromEvent = (event as { pull_request?: { number?: unknown }; number?: unknown } | null)?.pull_request?.number;
  const number = pr ?? (typeof fromEvent === 'number' ? fromEvent : undefined);
  if (number === undefined) problems.push('no pull request number: run on a pull_request event (GITHUB_EVENT_PATH) or pass --pr');
  if (problems.length) throw new UserError(problems.map((message) => ({ message })));
  return { apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', token: token!, repository: repository!, pullRequest: number! };
}
