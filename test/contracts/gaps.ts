import type { Vendor } from './vendors.js';

/**
 * What the contract checks leave aside, in one place, each with its reason; the shared
 * suite prints them all. Three kinds:
 * - `outside`: endpoints a provider calls that the vendor publishes outside the
 *   definition in the fixtures (OAuth token endpoints, JSON batching): their exchanges
 *   are not checked against it;
 * - `definition`: a place where the vendor's definition is known to differ from what the
 *   service does and its documentation says: the problems it names are accepted;
 * - `left-out`: what the emulator does not emulate, so nothing here proves it.
 */
export type Gap =
  | { vendor: Vendor; kind: 'outside'; method: string; path: RegExp; why: string }
  | { vendor: Vendor; kind: 'definition'; problem: RegExp; why: string }
  | { vendor: Vendor; kind: 'left-out'; what: string; why: string };

export const GAPS: readonly Gap[] = [
  {
    vendor: 'okta',
    kind: 'outside',
    method: 'POST',
    path: /^\/oauth2\/v1\/token$/,
    why: "the org authorization server's token endpoint is in Okta's OAuth 2.0/OIDC API, not the management API (https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/OrgAS/)",
  },
  {
    vendor: 'google',
    kind: 'outside',
    method: 'POST',
    path: /^\/token$/,
    why: 'the OAuth 2.0 token endpoint for service accounts has no discovery document (https://developers.google.com/identity/protocols/oauth2/service-account#httprest)',
  },
  {
    vendor: 'graph',
    kind: 'outside',
    method: 'POST',
    path: /^\/v1\.0\/\$batch$/,
    why: 'JSON batching is described in the documentation, not in the OpenAPI description (https://learn.microsoft.com/graph/json-batching); the requests inside a batch are not checked either',
  },
  {
    vendor: 'graph',
    kind: 'outside',
    method: 'POST',
    path: /\/oauth2\/v2\.0\/token$/,
    why: "the Microsoft identity platform's token endpoint is not part of Graph (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow)",
  },
  {
    vendor: 'graph',
    kind: 'outside',
    method: 'GET',
    path: /\/(v2\.0\/\.well-known\/openid-configuration|discovery\/instance|common\/discovery\/instance)$/,
    why: "the identity platform's metadata documents that MSAL reads before a token request are not part of Graph",
  },
  {
    vendor: 'graph',
    kind: 'definition',
    problem: /\/error\/innerError\/(date|request-id|client-request-id) must be object$/,
    why: "Graph's OpenAPI types innerError's extra members as objects; the documented error body has strings there (date, request-id, client-request-id: https://learn.microsoft.com/graph/errors#json-representation)",
  },
  {
    vendor: 'graph',
    kind: 'definition',
    problem: /query parameter \$(skiptoken|deltatoken) is not in the definition$/,
    why: 'the opaque page and delta tokens are in the nextLink and deltaLink URLs Graph hands out, not in the OpenAPI parameters (https://learn.microsoft.com/graph/paging, https://learn.microsoft.com/graph/delta-query-overview)',
  },
  {
    vendor: 'scim',
    kind: 'definition',
    problem: /carries (\/Resources\/\d+)?\/members\/\d+\/display, which the definition does not declare$/,
    why: "RFC 7643's Group schema (§8.7.1) lists members' value, $ref and type, while its own Group example (§8.4) and §4.2 show members with display; services send it",
  },
  {
    vendor: 'scim',
    kind: 'definition',
    problem: /ServiceProviderConfig\): answer 200 carries \/(etag|authenticationSchemes\/\d+\/type), which the definition does not declare$/,
    why: "RFC 7643 §5 defines ServiceProviderConfig's etag and each authentication scheme's (required) type; the schema representation of §8.7.2 leaves both out",
  },
  {
    vendor: 'okta',
    kind: 'left-out',
    what: 'user profiles hold the base attributes only (login, email, names, employeeNumber); no custom profile attributes, no expand or search queries, no apps, group rules or custom authorization servers',
    why: 'Lockstep reads accounts, groups, sessions, grants and factors; the rest is not called',
  },
  {
    vendor: 'graph',
    kind: 'left-out',
    what: 'only the user and group properties Lockstep selects; no $filter, $search, $orderby or $count advanced queries (ConsistencyLevel: eventual), no directory roles, PIM or app registrations',
    why: 'the provider selects its properties and pages whole collections or deltas',
  },
  {
    vendor: 'google',
    kind: 'left-out',
    what: 'no partial responses (fields), custom schemas (projection=full), organisational units, aliases, domain-public views or ETag preconditions',
    why: 'the provider reads users, groups, members, tokens, ASPs and transfers, whole',
  },
  {
    vendor: 'kubernetes',
    kind: 'left-out',
    what: 'no watch, protobuf, server-side apply or dry-run; Roles, ClusterRoles (beyond aggregation) and ServiceAccounts are not served',
    why: 'Lockstep reads and patches RoleBindings and ClusterRoleBindings, and holds a Lease',
  },
  {
    vendor: 'scim',
    kind: 'left-out',
    what: 'no Bulk (RFC 7644 §3.7), sorting (§3.4.2.3), attribute projection (§3.9), /Me, /Schemas or /ResourceTypes',
    why: 'the provider lists, reads, patches and deletes Users and Groups and reads ServiceProviderConfig',
  },
];

/** The gap that exempts an exchange from the checks, if any. */
export function outsideGap(vendor: Vendor, method: string, path: string): Gap | undefined {
  return GAPS.find((g) => g.vendor === vendor && g.kind === 'outside' && g.method === method && g.path.test(path));
}

/** Problems the definition gaps accept removed. */
export function unexplained(vendor: Vendor, problems: readonly string[]): string[] {
  const accepted = GAPS.filter((g): g is Extract<Gap, { kind: 'definition' }> => g.vendor === vendor && g.kind === 'definition');
  return problems.filter((p) => !accepted.some((g) => g.problem.test(p)));
}

export function describeGaps(vendor?: Vendor): string {
  return GAPS.filter((g) => !vendor || g.vendor === vendor)
    .map((g) => `  ${g.vendor} ${g.kind}: ${g.kind === 'outside' ? `${g.method} ${g.path.source}` : g.kind === 'definition' ? g.problem.source : g.what} — ${g.why}`)
    .join('\n');
}
