import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { UserError, type Problem } from '../../src/errors.js';
import type { AccountStatus, ObservedAccount, ObservedGroup, ObservedProvider } from '../../src/types/index.js';

/**
 * The inventory of an app with no API, kept by its owner as YAML or JSON:
 *   accounts: [{ login, id?, status?, lastLoginAt?, emails?, displayName? }]
 *   groups:   [{ name, id?, members: [login, ...] }]
 * Account ids default to the login and group ids to the name. Every problem is
 * reported as file:line:col, like the rest of the policy.
 */
const ACCOUNT_KEYS = new Set(['id', 'login', 'status', 'lastLoginAt', 'emails', 'displayName']);
const GROUP_KEYS = new Set(['id', 'name', 'members']);
const STATUSES = new Set<AccountStatus>(['active', 'suspended', 'deprovisioned']);

type Path = (string | number)[];

export async function readInventory(file: string, shownAs: string): Promise<ObservedProvider> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${shownAs}: inventory file cannot be read`);
  }
  return parseInventory(text, shownAs);
}

export function parseInventory(text: string, shownAs: string): ObservedProvider {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: Problem[] = [];
  const at = (path: Path): Problem['at'] => locate(doc, lines, shownAs, path);
  const problem = (path: Path, message: string): void => void problems.push({ message, at: at(path) });
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ message: e.message.split('\n')[0] ?? 'YAML syntax error', at: { file: shownAs, line: pos.line, col: pos.col } });
  }
  if (problems.length) throw new UserError(problems);

  const root: unknown = doc.toJS() ?? {};
  if (!isRecord(root)) throw new UserError([{ message: 'an inventory is a map with accounts and groups', at: at([]) }]);
  for (const key of Object.keys(root)) if (key !== 'accounts' && key !== 'groups') problem([key], `unknown key "${key}" (expected accounts, groups)`);

  const accounts: ObservedAccount[] = [];
  const byLogin = new Map<string, ObservedAccount>();
  for (const [i, raw] of listAt(root, 'accounts', problem)) {
    const path = ['accounts', i];
    if (!isRecord(raw)) {
      problem(path, 'an account is a map with at least a login');
      continue;
    }
    for (const key of Object.keys(raw)) if (!ACCOUNT_KEYS.has(key)) problem([...path, key], `unknown key "${key}" in account`);
    const login = raw['login'];
    if (typeof login !== 'string' || !login.trim()) {
      problem(path, 'account needs a login');
      continue;
    }
    const status = raw['status'] ?? 'active';
    if (!STATUSES.has(status as AccountStatus)) problem([...path, 'status'], `status must be active, suspended or deprovisioned`);
    const last = raw['lastLoginAt'];
    if (last !== undefined && last !== null && (typeof last !== 'string' || Number.isNaN(Date.parse(last)))) {
      problem([...path, 'lastLoginAt'], 'lastLoginAt must be an ISO date or date-time');
    }
    const emails = raw['emails'];
    if (emails !== undefined && (!Array.isArray(emails) || !emails.every((e) => typeof e === 'string')))
      problem([...path, 'emails'], 'emails must be a list of addresses');
    const account: ObservedAccount = {
      id: typeof raw['id'] === 'string' && raw['id'] ? raw['id'] : login,
      login,
      status: status as AccountStatus,
      ...(typeof last === 'string' ? { lastLoginAt: last } : {}),
      ...(Array.isArray(emails) ? { emails: emails as string[] } : {}),
      ...(typeof raw['displayName'] === 'string' ? { displayName: raw['displayName'] } : {}),
    };
    if (byLogin.has(login.toLowerCase())) problem([...path, 'login'], `account ${login} is listed twice`);
    else if (accounts.some((a) => a.id === account.id)) problem([...path, 'id'], `account id ${account.id} is used twice`);
    byLogin.set(login.toLowerCase(), account);
    accounts.push(account);
  }

  const groups: ObservedGroup[] = [];
  for (const [i, raw] of listAt(root, 'groups', problem)) {
    const path = ['groups', i];
    if (!isRecord(raw) || typeof raw['name'] !== 'string' || !raw['name']) {
      problem(path, 'a group is a map with a name and members');
      continue;
    }
    for (const key of Object.keys(raw)) if (!GROUP_KEYS.has(key)) problem([...path, key], `unknown key "${key}" in group`);
    const name = raw['name'];
    const members: string[] = [];
    const list = raw['members'] ?? [];
    if (!Array.isArray(list)) problem([...path, 'members'], 'members must be a list of logins');
    else {
      list.forEach((login: unknown, j) => {
        const account = typeof login === 'string' ? byLogin.get(login.toLowerCase()) : undefined;
        if (!account) problem([...path, 'members', j], `member ${String(login)} is not among the accounts`);
        else if (!members.includes(account.id)) members.push(account.id);
      });
    }
    const id = typeof raw['id'] === 'string' && raw['id'] ? raw['id'] : name;
    if (groups.some((g) => g.id === id)) problem(path, `group ${name} is listed twice`);
    groups.push({ id, name, members });
  }
  if (problems.length) throw new UserError(problems);
  return { type: 'manual', accounts, groups };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function listAt(root: Record<string, unknown>, key: string, problem: (p: Path, m: string) => void): [number, unknown][] {
  const v = root[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problem([key], `${key} must be a list`);
    return [];
  }
  return v.map((item, i) => [i, item]);
}

/** The position of a node (or of its nearest located parent). */
function locate(doc: Document, lines: LineCounter, file: string, path: Path): Problem['at'] {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = lines.linePos(range[0]);
      return { file, line: pos.line, col: pos.col };
    }
  }
  return { file, line: 1, col: 1 };
}
