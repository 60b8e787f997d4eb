import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { signEvent } from '../../src/controller/webhook.js';
import { ROOT } from './run-cli.js';

/** The secret HR events are signed with (the controller reads it with --webhook-secret-file). */
export const WEBHOOK_SECRET = 'hr-hook-secret-6a2f9e4c7b1d';

/** The environment of a Git command or controller run by a policy author, at home in `home`. */
export function gitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    GIT_AUTHOR_NAME: 'Policy Author',
    GIT_AUTHOR_EMAIL: 'author@acme.com',
    GIT_COMMITTER_NAME: 'Policy Author',
    GIT_COMMITTER_EMAIL: 'author@acme.com',
  };
}

/** The controller as a child process; resolves once it prints the address it listens on. */
export interface RunningController {
  child: ChildProcess;
  url: string;
  output(): { stdout: string; stderr: string };
  exited: Promise<number>;
}

export function startController(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<RunningController> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'lockstep.js'), 'controller', ...args], {
    cwd: opts.cwd,
    env: { ...gitEnv(opts.cwd), NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? 128 : 1))));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller did not start:\n${stderr}`)), 20_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => ({ stdout, stderr }), exited });
      }
    });
    void exited.then((code) => reject(new Error(`controller exited ${code} before listening:\n${stderr}`)));
  });
}

/** POSTs an HR event signed with `secret` (default: the world's), at `timestampMs`. */
export async function postEvent(
  url: string,
  event: unknown,
  opts: { secret?: string; timestampMs?: number; rawBody?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const body = opts.rawBody ?? JSON.stringify(event);
  const ts = String(Math.floor((opts.timestampMs ?? Date.now()) / 1000));
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lockstep-timestamp': ts, 'x-lockstep-signature': signEvent(opts.secret ?? WEBHOOK_SECRET, ts, body) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** Polls until `check` returns true or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One sample's value from a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}
