import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem } from '../errors.js';
import type { ConfigDocument } from '../types/index.js';
import type { DocPath, Located } from './model.js';
import { parseSecretRef, SecretResolver } from './secrets.js';
import { checkProviderRef, type PolicyNames } from './references.js';
import type { CheckResult, SemanticsContext } from './semantics.js';
import { isValidDuration } from './time.js';
import { signerFromPem, verifierFromPem } from '../signing/ed25519.js';

/** Every string inside a provider connection, with its path below the connection. */
function* strings(value: unknown, path: DocPath = []): Generator<[DocPath, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/**
 * Secret references in connections: any value holding `${` must be exactly one
 * `${env:NAME}` or `${file:PATH}`; with `checkSecrets`, it must also resolve. Messages
 * name the key and the reference, never a value that might be a secret.
 */
function checkSecretRefs(l: Located<ConfigDocument>, ctx: SemanticsContext, out: Problem[]): void {
  const resolver = new SecretResolver(ctx.env, ctx.dir);
  for (const [name, connection] of Object.entries(l.doc.spec.providers)) {
    for (const [sub, value] of strings(connection)) {
      if (!value.includes('${')) continue;
      const path = ['spec', 'providers', name, ...sub];
      const key = sub.length > 0 ? `"${sub.join('.')}"` : 'the value';
      try {
        if (parseSecretRef(value) === null) {
          out.push({ message: `malformed secret reference in ${key} of provider ${name}: the whole value must be \${env:NAME} or \${file:PATH}`, at: l.locate(path) });
          continue;
        }
      } catch (e) {
        out.push({ message: `${(e as Error).message} in ${key} of provider ${name}`, at: l.locate(path) });
        continue;
      }
      if (!ctx.checkSecrets) continue;
      const reason = resolver.check(value);
      if (reason !== null) out.push({ message: reason, at: l.locate(path) });
    }
  }
}

/** What each connection's provider says of it beyond its schema (endpoints, credentials that go together). */
function checkConnections(l: Located<ConfigDocument>, ctx: SemanticsContext, out: Problem[]): void {
  for (const [name, connection] of Object.entries(l.doc.spec.providers)) {
    for (const p of ctx.providers.checkConnection(name, connection)) out.push({ message: p.message, at: l.locate(['spec', 'providers', name, ...p.path]) });
  }
}

function checkPeopleFile(l: Located<ConfigDocument>, ctx: SemanticsContext, out: Problem[]): void {
  const file = l.doc.spec.people.file;
  const info = (() => {
    try {
      return statSync(resolve(ctx.dir, file));
    } catch {
      return null;
    }
  })();
  if (!info) out.push({ message: `roster file ${file} does not exist (relative to the policy folder)`, at: l.locate(['spec', 'people', 'file']) });
  else if (!info.isFile()) out.push({ message: `roster file ${file} is not a file`, at: l.locate(['spec', 'people', 'file']) });
}

/**
 * Where state lives (spec.state) and the signing key (spec.signing): a PostgreSQL URL
 * that is a URL and carries no password (the password only by reference), references that
 * resolve (with `checkSecrets`; the signing key only when it is given here), no journal
 * file beside a database, and keys that are Ed25519. Messages never include a resolved value.
 */
function checkStateAndSigning(l: Located<ConfigDocument>, ctx: SemanticsContext, out: Problem[]): void {
  const { state, signing, journal } = l.doc.spec;
  const resolver = new SecretResolver(ctx.env, ctx.dir);
  const refProblem = (value: string, path: DocPath, mustResolve = true): boolean => {
    if (!value.includes('${')) return false;
    try {
      if (parseSecretRef(value) === null) {
        out.push({ message: 'malformed secret reference: the whole value must be ${env:NAME} or ${file:PATH}', at: l.locate(path) });
        return true;
      }
    } catch (e) {
      out.push({ message: (e as Error).message, at: l.locate(path) });
      return true;
    }
    const reason = ctx.checkSecrets && mustResolve ? resolver.check(value) : null;
    if (reason !== null) out.push({ message: reason, at: l.locate(path) });
    return true;
  };
  if (state) {
    if (state.backend === 'postgres' && state.url === undefined) out.push({ message: 'state.backend postgres needs state.url', at: l.locate(['spec', 'state']) });
    if (state.backend === 'file' && (state.url !== undefined || state.password !== undefined || state.schema !== undefined)) {
      out.push({ message: 'state.url, state.password and state.schema are for the postgres backend', at: l.locate(['spec', 'state', 'backend']) });
    }
    if (state.url !== undefined && !refProblem(state.url, ['spec', 'state', 'url'])) {
      let u: URL | null = null;
      try {
        u = new URL(state.url);
      } catch {
        out.push({
          message: 'state.url is not a URL: expected postgres://user@host:5432/database, or a ${env:NAME} / ${file:PATH} reference to one',
          at: l.locate(['spec', 'state', 'url']),
        });
      }
      if (u && u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
        out.push({ message: `state.url: ${u.protocol} is not PostgreSQL; expected postgres://`, at: l.locate(['spec', 'state', 'url']) });
      if (u?.password)
        out.push({
          message:
            'state.url carries a password in the policy repository; give it by reference instead (state.password: "${file:…}", PGPASSWORD, or a ${env:NAME} reference to the whole URL)',
          at: l.locate(['spec', 'state', 'url']),
        });
    }
    if (state.password !== undefined) refProblem(state.password, ['spec', 'state', 'password']);
    if (state.backend === 'postgres' && journal?.file !== undefined) {
      out.push({
        message: 'journal.file names a journal file, but state.backend postgres keeps the journal in the database; remove journal.file',
        at: l.locate(['spec', 'journal', 'file']),
      });
    }
  }
  if (signing?.key !== undefined) {
    // Need not resolve: only writers sign (policyKeys refuses there), and a plan made where
    // the key is not given (a pull request's) is unsigned, which apply then refuses.
    refProblem(signing.key, ['spec', 'signing', 'key'], false);
    if (ctx.checkSecrets && resolver.check(signing.key) === null) {
      try {
        signerFromPem(resolver.resolve(signing.key), 'signing.key');
      } catch (e) {
        out.push({ message: (e as Error).message, at: l.locate(['spec', 'signing', 'key']) });
      }
    }
  }
  if (signing?.publicKey !== undefined) {
    let pem: string | null = null;
    try {
      pem = readFileSync(resolve(ctx.dir, signing.publicKey), 'utf8');
    } catch {
      out.push({ message: `signing.publicKey: ${signing.publicKey} cannot be read (relative to the policy folder)`, at: l.locate(['spec', 'signing', 'publicKey']) });
    }
    if (pem !== null) {
      try {
        verifierFromPem(pem, `signing.publicKey ${signing.publicKey}`);
      } catch (e) {
        out.push({ message: (e as Error).message, at: l.locate(['spec', 'signing', 'publicKey']) });
      }
    }
  }
}

/** Rules on the Config itself: provider references, connections, secrets, the roster file. */
export function checkConfig(l: Located<ConfigDocument>, names: PolicyNames, ctx: SemanticsContext, out: CheckResult): void {
  const spec = l.doc.spec;
  spec.minMembers?.forEach((m, i) => checkProviderRef(names, m.provider, l, ['spec', 'minMembers', i, 'provider'], out.problems));
  spec.protected?.forEach((p, i) => checkProviderRef(names, p.provider, l, ['spec', 'protected', i, 'provider'], out.problems, { allowAll: true }));
  spec.guard?.overrides?.forEach((o, i) => checkProviderRef(names, o.provider, l, ['spec', 'guard', 'overrides', i, 'provider'], out.problems));
  const maxPlanAge = spec.apply?.maxPlanAge;
  if (maxPlanAge !== undefined && !isValidDuration(maxPlanAge)) {
    out.problems.push({ message: `invalid duration "${maxPlanAge}": expected e.g. 24h, 7d`, at: l.locate(['spec', 'apply', 'maxPlanAge']) });
  }
  checkConnections(l, ctx, out.problems);
  checkSecretRefs(l, ctx, out.problems);
  checkStateAndSigning(l, ctx, out.problems);
  if (ctx.requirePeopleFile) checkPeopleFile(l, ctx, out.problems);
}
