import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ensureFullHistory, gitHistoryDepth } from '../../src/git/full-history.js';
import { aLog } from '../support/log.js';
import { tempDir } from '../cli/run-cli.js';
import { git, PRIYA, SAM, shallowClone } from '../support/git-repo.js';

describe('the Git history behind a policy folder', () => {
  let origin: string;
  beforeAll(() => {
    origin = tempDir({ 'policies/config.yaml': 'kind: Config\n' });
    git(origin, 'init', '-q');
    git(origin, 'add', '.');
    git(origin, ...SAM, 'commit', '-qm', 'policy');
    writeFileSync(join(origin, 'README.md'), 'access policy\n');
    git(origin, 'add', '.');
    git(origin, ...PRIYA, 'commit', '-qm', 'readme');
  });

  it('tells a full clone, a shallow one and a folder outside Git apart, from any folder inside them', async () => {
    expect(await gitHistoryDepth(join(origin, 'policies'))).toBe('full');
    expect(await gitHistoryDepth(join(shallowClone(origin), 'policies'))).toBe('shallow');
    expect(await gitHistoryDepth(tempDir())).toBe('not_git');
  });

  it('leaves a full clone and a folder outside Git as they are, saying nothing', async () => {
    const log = aLog();
    expect(await ensureFullHistory(origin, log)).toBe('full');
    expect(await ensureFullHistory(tempDir(), log)).toBe('not_git');
    expect(log.lines).toEqual([]);
  });

  it('deepens a shallow clone from origin, once, saying so', async () => {
    const clone = shallowClone(origin);
    expect(git(clone, 'rev-list', '--count', 'HEAD')).toBe('1');
    const log = aLog();
    expect(await ensureFullHistory(join(clone, 'policies'), log)).toBe('deepened');
    expect(git(clone, 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(await gitHistoryDepth(clone)).toBe('full');
    expect(await ensureFullHistory(clone, log)).toBe('full');
    expect(log.lines).toEqual([expect.stringMatching(/^the policy repository .+ is a shallow clone: fetching its full history from origin \(git fetch --unshallow\)$/)]);
  });

  it('deepens from the only remote when none is called origin', async () => {
    const clone = shallowClone(origin);
    git(clone, 'remote', 'rename', 'origin', 'upstream');
    expect(await ensureFullHistory(clone, aLog())).toBe('deepened');
    expect(git(clone, 'rev-list', '--count', 'HEAD')).toBe('2');
  });

  it('refuses a shallow clone it cannot deepen: no remote, an unreachable one, or a shallow one', async () => {
    const refusal = async (dir: string): Promise<UserError> => {
      const e = await ensureFullHistory(dir, aLog()).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toContain('set `fetch-depth: 0` on actions/checkout, or run `git fetch --unshallow`');
      expect(await gitHistoryDepth(dir)).toBe('shallow');
      return e as UserError;
    };
    const noRemote = shallowClone(origin);
    git(noRemote, 'remote', 'remove', 'origin');
    expect((await refusal(noRemote)).message).toContain('its full history could not be fetched (it has no remote to fetch from)');

    const unreachable = shallowClone(origin);
    git(unreachable, 'remote', 'set-url', 'origin', 'https://user:s3cret@127.0.0.1:9/policy.git');
    const failed = await refusal(unreachable);
    expect(failed.message).toMatch(/could not be fetched \(git fetch --unshallow origin failed: .+\)/);
    expect(failed.message).not.toContain('s3cret');

    const ofShallow = join(tempDir(), 'clone-of-shallow');
    mkdirSync(ofShallow);
    git(ofShallow, 'clone', '-q', `file://${shallowClone(origin)}`, '.');
    expect((await refusal(ofShallow)).message).toContain('(origin is itself shallow)');
  });
});
