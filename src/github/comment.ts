import { UserError } from '../errors.js';
import { endpointProblem } from '../provider/endpoint.js';
import { COMMENT_MARKER, partMarker, partOf } from './comment-parts.js';

/** GitHub refuses issue comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export { COMMENT_MARKER };

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
  html_url?: string;
}

export interface PostedPart {
  readonly part: number;
  readonly action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'emptied';
  readonly id: number;
  readonly url: string;
}

/**
 * Brings Lockstep's comments on a pull request to `bodies`, one comment per part, each
 * carrying the marker (and, after the first, its part number; see comment-parts.ts):
 * every page of the PR's comments is read (Link rel="next") to find the parts posted
 * before, each part is updated in place (left alone when its text is the same) or
 * created, and parts no longer needed (a shorter plan, a duplicate) are deleted, or
 * emptied when the token may not delete them. A busy PR never gets a second set of
 * Lockstep comments.
 */
export async function upsertComments(target: GitHubTarget, bodies: readonly string[]): Promise<PostedPart[]> {
  for (const [i, body] of bodies.entries()) {
    if (body.length > GITHUB_COMMENT_LIMIT) throw new UserError(`comment part ${i + 1} of ${body.length} characters is over GitHub's limit of ${GITHUB_COMMENT_LIMIT}`);
  }
  const problem = endpointProblem(target.apiUrl);
  if (problem) throw new UserError(`GitHub API URL: ${problem}`);
  const root = target.apiUrl.replace(/\/+$/, '');
  const issue = `${root}/repos/${target.repository}/issues/${target.pullRequest}`;
  const byPart = new Map<number, IssueComment>();
  const surplus: { part: number; comment: IssueComment }[] = [];
  let next: string | null = `${issue}/comments?per_page=100`;
  while (next) {
    const res = await call(target, 'GET', next);
    for (const c of (await res.json()) as IssueComment[]) {
      const part = partOf(c.body);
      if (part === null) continue;
      if (byPart.has(part) || part > bodies.length) surplus.push({ part, comment: c });
      else byPart.set(part, c);
    }
    next = nextLink(res.headers.get('link'));
  }
  const done: PostedPart[] = [];
  for (const [i, body] of bodies.entries()) {
    const part = i + 1;
    const existing = byPart.get(part);
    if (existing?.body === body) {
      done.push({ part, action: 'unchanged', id: existing.id, url: existing.html_url ?? '' });
      continue;
    }
    const res = existing
      ? await call(target, 'PATCH', `${root}/repos/${target.repository}/issues/comments/${existing.id}`, { body })
      : await call(target, 'POST', `${issue}/comments`, { body });
    const saved = (await res.json()) as { id: number; html_url?: string };
    done.push({ part, action: existing ? 'updated' : 'created', id: saved.id, url: saved.html_url ?? '' });
  }
  for (const { part, comment } of surplus) {
    const url = `${root}/repos/${target.repository}/issues/comments/${comment.id}`;
    const res = await call(target, 'DELETE', url, undefined, [403, 404]);
    if (res.status !== 403) {
      done.push({ part, action: 'deleted', id: comment.id, url: comment.html_url ?? '' });
      continue;
    }
    // A token that may not delete (another author's comment, a narrower permission): empty the part instead.
    const emptied = emptiedPart(part, bodies.length);
    if (comment.body !== emptied) await call(target, 'PATCH', url, { body: emptied });
    done.push({ part, action: 'emptied', id: comment.id, url: comment.html_url ?? '' });
  }
  return done;
}

/** One REST call; an answer with a status in `tolerated` (a comment deleted meanwhile) is not an error. */
async function call(target: GitHubTarget, method: string, url: string, json?: unknown, tolerated: readonly number[] = []): Promise<Response> {
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
  if (!res.ok && !tolerated.includes(res.status)) {
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

/** What a part no longer needed says when it cannot be deleted; it stays a Lockstep part, so a later run can still use or delete it. */
function emptiedPart(part: number, parts: number): string {
  return `${COMMENT_MARKER}\n${partMarker(part)}\n_This part of Lockstep's comment is no longer needed: the comment now has ${parts === 1 ? 'one part' : `${parts} parts`}._\n`;
}
