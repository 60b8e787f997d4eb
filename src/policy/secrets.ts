import { readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';

/** `${env:NAME}` or `${file:PATH}`; the only way a secret enters Lockstep. */
export interface SecretRef {
  scheme: 'env' | 'file';
  name: string;
}

const WHOLE_REF = /^\$\{([a-z]+):([^}]*)\}$/;
const ANY_REF = /\$\{([a-z]*):?([^}]*)\}/g;

/** Parses a whole-value reference; null when the value is not one. Throws on a malformed one. */
export function parseSecretRef(value: string): SecretRef | null {
  const m = WHOLE_REF.exec(value);
  if (!m) return null;
  const [, scheme, name] = m;
  if (scheme !== 'env' && scheme !== 'file') throw new Error(`unknown secret reference scheme "${scheme}" (use \${env:NAME} or \${file:PATH})`);
  if (!name || !name.trim()) throw new Error(`empty secret reference ${value}`);
  if (scheme === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name in ${value}`);
  return { scheme, name };
}

/** Every `${...}` reference inside a string (for validation of values that embed them). */
export function findSecretRefs(value: string): string[] {
  return [...value.matchAll(ANY_REF)].map((m) => m[0]);
}

/**
 * Secret values seen by this process, so that any text leaving it can be scrubbed.
 * Defence in depth: providers never put secrets in messages, plans or snapshots to begin with.
 */
class Redactor {
  private readonly values = new Set<string>();
  add(value: string): void {
    if (value.length >= 4) this.values.add(value);
    const trimmed = value.trim();
    if (trimmed !== value && trimmed.length >= 4) this.values.add(trimmed);
  }
  redact(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
    return out;
  }
}
export const redactor = new Redactor();

/**
 * Resolves references against the environment and the file system. A value that is not a
 * reference is returned as is (non-secret settings such as URLs). Resolved values are
 * registered with the redactor.
 */
export class SecretResolver {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly baseDir: string = process.cwd(),
  ) {}

  /** Throws an Error with a user-facing message when the reference cannot be resolved. */
  resolve(value: string): string {
    const ref = parseSecretRef(value);
    if (!ref) return value;
    const secret = this.lookup(ref);
    redactor.add(secret);
    return secret;
  }

  /** The reason a reference cannot be resolved, or null when it can. Never returns the secret. */
  check(value: string): string | null {
    try {
      const ref = parseSecretRef(value);
      if (ref) this.lookup(ref);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  private lookup(ref: SecretRef): string {
    if (ref.scheme === 'env') {
      const v = this.env[ref.name];
      if (v === undefined || v === '') throw new Error(`environment variable ${ref.name} is not set (referenced as \${env:${ref.name}})`);
      return v;
    }
    const path = isAbsolute(ref.name) ? ref.name : resolvePath(this.baseDir, ref.name);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new Error(`secret file ${ref.name} cannot be read (referenced as \${file:${ref.name}})`);
    }
  }
}
