import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../cli/run-cli.js';

/** Commit identities for `git(cwd, ...SAM, 'commit', ...)`: Sam is no approver, Priya and Lee are. */
export const SAM = ['-c', 'user.name=Sam Rivera', '-c', 'user.email=sam@acme.com'];
export const PRIYA = ['-c', 'user.name=Priya Shah', '-c', 'user.email=priya@acme.com'];
export const LEE = ['-c', 'user.name=Lee Wong', '-c', 'user.email=lee@acme.com'];

/** Runs git in `cwd` (commits unsigned unless asked) and returns its trimmed output. */
export const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();

/** A `git clone --depth 1` of `origin` (as `actions/checkout` makes by default), in a new temporary folder. */
export function shallowClone(origin: string): string {
  const dir = join(tempDir(), 'clone');
  git(origin, 'clone', '-q', '--depth', '1', `file://${origin}`, dir);
  return dir;
}
