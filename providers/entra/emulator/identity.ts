import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { Reply } from '../../../src/emulator/http.js';
import { AccessTokens, bearerToken, readJwt, signedBy } from '../../../src/emulator/oauth.js';
import type { Route } from '../../../src/emulator/routes.js';
import { GraphApiError } from './wire.js';

/**
 * The Microsoft identity platform's v2.0 endpoints for app-only sign-in: OpenID
 * configuration, instance discovery and the token endpoint's client credentials grant,
 * with a client secret or a client assertion (a JWT signed with the app's registered
 * certificate, https://learn.microsoft.com/entra/identity-platform/certificate-credentials).
 * Access tokens are opaque here; Graph accepts only those issued and unexpired.
 */

export interface AppRegistration {
  clientId: string;
  /** Client secrets the app accepts. */
  secrets: string[];
  /** Registered certificates (PEM) whose keys may sign client assertions. */
  certificates: string[];
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_S = 3599;

export interface TokenAnswer {
  status: number;
  body: unknown;
}

export class IdentityPlatform {
  private readonly issued = new AccessTokens<true>(
    () => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
  );

  constructor(
    readonly tenantId: string,
    private readonly apps: AppRegistration[],
  ) {}

  knowsTenant(tenant: string): boolean {
    return tenant === this.tenantId;
  }

  openIdConfiguration(root: string, tenant: string): unknown {
    const base = `${root}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${root}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${root}/${this.tenantId}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  /** The token endpoint: `body` is the form-encoded request, `tokenUrl` the audience assertions must name. */
  token(body: string, tokenUrl: string): TokenAnswer {
    const form = new URLSearchParams(body);
    const fail = (status: number, error: string, code: number, description: string): TokenAnswer => ({
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      },
    });
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.find((a) => a.clientId === clientId);
    if (!app) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`);
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes(GRAPH_SCOPE))
      return fail(
        400,
        'invalid_scope',
        1002012,
        'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
      );
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!app.secrets.includes(secret))
        return fail(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
    } else if (assertion !== null && form.get('client_assertion_type') === ASSERTION_TYPE) {
      const problem = checkAssertion(assertion, app, tokenUrl);
      if (problem) return fail(401, 'invalid_client', problem.code, problem.message);
    } else {
      return fail(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const token = this.issued.issue(true, TOKEN_LIFETIME_S);
    return { status: 200, body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, ext_expires_in: TOKEN_LIFETIME_S, access_token: token } };
  }

  /** Graph's bearer check: 401 InvalidAuthenticationToken unless a live issued token is presented. */
  authenticate(header: string | undefined): void {
    const token = bearerToken(header);
    if (!token) throw new GraphApiError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const issued = this.issued.find(token);
    if (!issued) throw new GraphApiError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed.');
    if (issued.expiresAt < Date.now()) throw new GraphApiError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
  }

  accessTokens(): string[] {
    return this.issued.list();
  }

  revokeAll(): void {
    this.issued.revokeAll();
  }
}

function checkAssertion(assertion: string, app: AppRegistration, tokenUrl: string): { code: number; message: string } | undefined {
  const jwt = readJwt(assertion);
  if (typeof jwt === 'string') return { code: 50027, message: 'JWT token is invalid or malformed.' };
  const { header, claims } = jwt;
  const thumbprint = (header['x5t#S256'] ?? header['x5t']) as string | undefined;
  const sha256 = header['x5t#S256'] !== undefined;
  const cert = app.certificates
    .map((pem) => new X509Certificate(pem))
    .find((c) => Buffer.from((sha256 ? c.fingerprint256 : c.fingerprint).replace(/:/g, ''), 'hex').toString('base64url') === thumbprint);
  if (!cert)
    return {
      code: 700027,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint ?? ''}']`,
    };
  const alg = header['alg'];
  if (alg !== 'PS256' && alg !== 'RS256') return { code: 5002738, message: `Invalid JWT signing algorithm '${String(alg)}'.` };
  if (!signedBy(jwt, cert.publicKey)) return { code: 7000274, message: 'Client assertion contains an invalid signature.' };
  const now = Date.now() / 1000;
  if (claims['aud'] !== tokenUrl)
    return { code: 700212, message: `No matching federated identity record found for presented assertion audience '${String(claims['aud'])}'.` };
  if (claims['iss'] !== app.clientId || claims['sub'] !== app.clientId) return { code: 700023, message: 'Client assertion audience claim does not match Realm issuer.' };
  if (typeof claims['exp'] !== 'number' || claims['exp'] < now) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  return undefined;
}

/** An endpoint of the identity platform; each answers every method itself, as the service does. */
export interface IdentityRoute extends Route {
  identity(req: { method: string; params: Record<string, string>; body: string; root: string }): Reply;
}

const IDENTITY_PATHS = {
  openid: '/{tenant}/v2.0/.well-known/openid-configuration',
  token: '/{tenant}/oauth2/v2.0/token',
  discovery: '/common/discovery/instance',
};

/** Instance discovery, the OpenID configuration and the token endpoint of `platform`. */
export function identityRoutes(platform: IdentityPlatform): IdentityRoute[] {
  const tenantKnown = (tenant: string) => platform.knowsTenant(tenant) || tenant === 'organizations' || tenant === 'common';
  const unknownTenant = (tenant: string): Reply => ({
    status: 400,
    body: { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.`, error_codes: [90002] },
  });
  return [
    {
      method: '*',
      path: IDENTITY_PATHS.discovery,
      identity({ root }) {
        const host = new URL(root).host;
        const body = {
          tenant_discovery_endpoint: `${root}/${platform.tenantId}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        };
        return { status: 200, body };
      },
    },
    {
      method: '*',
      path: IDENTITY_PATHS.openid,
      identity({ params, root }) {
        const tenant = params['tenant']!;
        return tenantKnown(tenant) ? { status: 200, body: platform.openIdConfiguration(root, tenant) } : unknownTenant(tenant);
      },
    },
    {
      method: '*',
      path: IDENTITY_PATHS.token,
      identity({ method, params, body, root }) {
        const tenant = params['tenant']!;
        if (!tenantKnown(tenant)) return unknownTenant(tenant);
        if (method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'AADSTS900561: The endpoint only accepts POST requests.' } };
        const answer = platform.token(body, `${root}/${tenant}/oauth2/v2.0/token`);
        return { status: answer.status, body: answer.body, headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' } };
      },
    },
  ];
}
