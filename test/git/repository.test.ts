import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitInHistory, policyOrigin, repositoryOfRemote } from '../../src/git/repository.js';
import { tempDir } from '../cli/run-cli.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'user.name=Sam', '-c', 'user.email=sam@acme.com', ...args], { cwd, encoding: 'utf8' }).trim();

describe('repositoryOfRemote', () => {
  it('gives the HTTPS and SSH remotes of one repository one identity, without credentials, port or .git', () => {
    const remotes = [
      'https://github.com/acme/policy.git',
      'https://x-access-token:ghs_s3cr3t@github.com/acme/policy.git',
      'https://gitlab-ci-token:glcbt-64_s3cr3t@GitHub.com/acme/policy/',
      'git@github.com:acme/policy.git',
      'ssh://git@github.com:22/acme/policy.git',
      'git://github.com/acme/policy',
      '  https://github.com/acme/policy\n',
    ];
    for (const r of remotes) expect(repositoryOfRemote(r), r).toBe('github.com/acme/policy');
  });

  it('keeps nested paths, and gives local paths and file URLs as paths', () => {
    expect(repositoryOfRemote('https://gitlab.example.com/platform/access/policy.git')).toBe('gitlab.example.com/platform/access/policy');
    expect(repositoryOfRemote('file:///srv/git/policy.git')).toBe('/srv/git/policy');
    expect(repositoryOfRemote('/srv/git/policy.git/')).toBe('/srv/git/policy');
    expect(repositoryOfRemote('../policy')).toBe('../policy');
  });

  it('reads nothing from a URL without a repository path', () => {
    expect(repositoryOfRemote('https://github.com/')).toBeNull();
    expect(repositoryOfRemote('')).toBeNull();
  });
});

describe('policyOrigin and commitInHistory', () => {
  let repo: string;
  let first: string;
  let side: string;
  beforeAll(() => {
    repo = tempDir({ 'policies/config.yaml': 'kind: Config\n' });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'policy');
    first = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-qb', 'side');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'side');
    side = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
  });

  it('without an origin, names the repository by its first commit; the folder by its path inside it', async () => {
    expect(await policyOrigin(join(repo, 'policies'))).toEqual({ repository: `root:${first}`, path: 'policies' });
    expect(await policyOrigin(repo)).toEqual({ repository: `root:${first}`, path: '.' });
  });

  it('with an origin, names it by the remote, credentials left out', async () => {
    const clone = join(tempDir(), 'clone');
    git(repo, 'clone', '-q', repo, clone);
    git(clone, 'remote', 'set-url', 'origin', 'https://bot:p4ssw0rd-9f2@git.example.com/acme/policy.git');
    mkdirSync(join(clone, 'policies', 'nested'));
    writeFileSync(join(clone, 'policies', 'nested', 'x.yaml'), '');
    const origin = await policyOrigin(join(clone, 'policies', 'nested'));
    expect(origin).toEqual({ repository: 'git.example.com/acme/policy', path: 'policies/nested' });
    expect(JSON.stringify(origin)).not.toContain('p4ssw0rd');
  });

  it('outside Git, there is no repository', async () => {
    expect(await policyOrigin(tempDir())).toEqual({ repository: null, path: '.' });
  });

  it('tells commits in the history of HEAD from those on an unmerged branch and those this clone does not have', async () => {
    expect((await commitInHistory(repo, first)).state).toBe('reachable');
    expect((await commitInHistory(repo, git(repo, 'rev-parse', 'HEAD'))).state).toBe('reachable');
    expect((await commitInHistory(repo, first.slice(0, 12))).state).toBe('reachable');
    expect((await commitInHistory(repo, side)).state).toBe('unreachable');
    expect((await commitInHistory(repo, 'f'.repeat(40))).state).toBe('missing');
    expect((await commitInHistory(repo, '--all')).state).toBe('missing');
    expect(await commitInHistory(tempDir(), first)).toEqual({ state: 'missing', shallow: false });
  });
});
