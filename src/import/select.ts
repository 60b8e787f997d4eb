import { UserError } from '../errors.js';

/**
 * The group names `--groups` chooses: `/regex/flags`, or a glob where `*` is any run of
 * characters and `?` one character, matched against the whole name, case-insensitively.
 */
export function groupMatcher(pattern: string): (name: string) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1]!, regex[2]);
    } catch (e) {
      throw new UserError(`--groups ${pattern}: not a valid regular expression (${(e as Error).message})`);
    }
    return (name) => {
      re.lastIndex = 0;
      return re.test(name);
    };
  }
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const glob = new RegExp(`^${source}$`, 'is');
  return (name) => glob.test(name);
}

/**
 * The providers `--providers a,b` names, checked against those the Config defines and,
 * when there is one, the snapshot holds. Every unknown name is reported at once.
 */
export function chooseProviders(list: string | undefined, configured: readonly string[], observed: readonly string[] | null): string[] {
  // Without --providers: every configured provider the snapshot holds (the caller says which it lacks).
  if (list === undefined) return observed ? configured.filter((n) => observed.includes(n)) : [...configured];
  const wanted = [...new Set(list.split(',').map((s) => s.trim()))].filter((s) => s !== '');
  if (wanted.length === 0) throw new UserError('--providers names no provider');
  const problems = wanted.flatMap((name) => {
    if (!configured.includes(name)) return [{ message: `provider "${name}" is not in the Config (it defines: ${[...configured].sort().join(', ') || 'none'})` }];
    if (observed && !observed.includes(name)) return [{ message: `provider "${name}" is not in the snapshot (it holds: ${[...observed].sort().join(', ') || 'none'})` }];
    return [];
  });
  if (problems.length) throw new UserError(problems);
  return wanted;
}
