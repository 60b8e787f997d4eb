#!/usr/bin/env node
// A real, throwaway PostgreSQL server for the state-store tests, started from Debian's
// `postgresql` package (initdb, pg_ctl): its own data folder under the system temp
// folder, listening on 127.0.0.1 at a free port, password authentication (scram-sha-256)
// for a superuser `lockstep`. Nothing is downloaded.
//
//   node scripts/test-postgres.mjs start   prints KEY=value lines (LOCKSTEP_TEST_PG_URL,
//                                          LOCKSTEP_TEST_PG_PASSWORD, LOCKSTEP_TEST_PG_DIR)
//   node scripts/test-postgres.mjs stop DIR
//   node scripts/test-postgres.mjs probe   exit 0 when the server binaries are installed
//
// Exit 3 from `start` when no server binaries are installed (the tests then run on the
// file backend only, and say so).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The folder holding initdb and pg_ctl, or null. */
export function serverBinaries() {
  const candidates = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) candidates.push(join(root, v, 'bin'));
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) candidates.push(dirname(which.stdout.trim()));
  return candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user Debian's package creates. */
function runAs() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('running as root, and there is no postgres user to run the server as');
  return { user: 'postgres', uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(bin, args, as) {
  const [cmd, argv] = as ? ['runuser', ['-u', as.user, '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a server; resolves with { url, password, dir }. */
export async function startPostgres() {
  const bin = serverBinaries();
  if (!bin) return null;
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwfile, as.uid, as.gid);
  }
  chmodSync(dir, 0o700);
  run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'lockstep', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    as,
  );
  rmSync(pwfile);
  const port = await freePort();
  run(
    join(bin, 'pg_ctl'),
    ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`, 'start'],
    as,
  );
  return { url: `postgres://lockstep@127.0.0.1:${port}/postgres`, password, dir };
}

export function stopPostgres(dir) {
  const bin = serverBinaries();
  if (bin && existsSync(join(dir, 'data'))) {
    try {
      run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'], runAs());
    } catch {
      // already stopped
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === 'start') {
    const pg = await startPostgres();
    if (!pg) {
      console.error("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package");
      process.exit(3);
    }
    console.log(`LOCKSTEP_TEST_PG_URL=${pg.url}`);
    console.log(`LOCKSTEP_TEST_PG_PASSWORD=${pg.password}`);
    console.log(`LOCKSTEP_TEST_PG_DIR=${pg.dir}`);
  } else if (cmd === 'probe') {
    process.exit(serverBinaries() ? 0 : 3);
  } else if (cmd === 'stop' && arg) {
    stopPostgres(arg);
  } else {
    console.error('usage: test-postgres.mjs start | stop DIR | probe');
    process.exit(2);
  }
}
