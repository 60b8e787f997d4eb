/** Name references between policy documents: what exists, and how an unknown name is reported. */
import type { SourceLocation, Problem } from '../errors.js';
import type { DocPath, Located, PolicyDocument } from './model.js';
import { didYouMean } from './near-match.js';

/** What the rules of one document need to know about the others. */
export interface PolicyNames {
  /** Provider names from the Config, or null when they are unknown (no usable Config). */
  readonly providers: ReadonlySet<string> | null;
  readonly roles: ReadonlySet<string>;
  /** `provider\0group` for every group some RoleProfile grants. */
  readonly managedGroups: ReadonlySet<string>;
}

/** `file:line:col`, for messages that name a second position. */
export function where(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.col}`;
}

/** Reports `provider` when the Config does not define it (`*` too, unless allowed). */
export function checkProviderRef(
  names: PolicyNames,
  provider: string,
  located: Located<PolicyDocument>,
  path: DocPath,
  out: Problem[],
  opts: { allowAll?: boolean } = {},
): void {
  if (!names.providers || names.providers.has(provider) || (opts.allowAll && provider === '*')) return;
  const known = [...names.providers].sort().join(', ');
  out.push({
    message: `unknown provider "${provider}"${didYouMean(provider, names.providers)}; the Config defines: ${known || 'none'}`,
    at: located.locate(path),
  });
}
